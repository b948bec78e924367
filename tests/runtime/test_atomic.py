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
