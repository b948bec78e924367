import pytest

from runtime.atomic import atomic_path, write_json_atomic


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "data.json"
    write_json_atomic(path, {"version": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(path) as temporary:
            with open(temporary, "w") as f:
                f.write('{"version": 2, "trunc')
            raise RuntimeError("killed mid-write")
    assert path.read_text() == '{\n  "version": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]


def make_folder(path, content):
    path.mkdir()
    (path / "file").write_text(content)


def test_replace_folder_swaps_in_one_step(tmp_path):
    from runtime.atomic import replace_folder

    make_folder(tmp_path / "new", "new")
    make_folder(tmp_path / "out", "old")
    previous = replace_folder(str(tmp_path / "new"), str(tmp_path / "out"))
    assert (tmp_path / "out" / "file").read_text() == "new"
    assert open(f"{previous}/file").read() == "old"  # handed back for the caller to delete


def test_replace_folder_without_an_existing_target(tmp_path):
    from runtime.atomic import replace_folder

    make_folder(tmp_path / "new", "new")
    assert replace_folder(str(tmp_path / "new"), str(tmp_path / "out")) is None
    assert (tmp_path / "out" / "file").read_text() == "new"


def test_replace_folder_falls_back_where_exchange_is_unsupported(tmp_path, monkeypatch):
    from runtime import atomic

    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    make_folder(tmp_path / "new", "new")
    make_folder(tmp_path / "out", "old")
    previous = atomic.replace_folder(str(tmp_path / "new"), str(tmp_path / "out"))
    assert (tmp_path / "out" / "file").read_text() == "new"
    assert previous.endswith(".old") and open(f"{previous}/file").read() == "old"
