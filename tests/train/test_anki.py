import zipfile

import pytest

from train.anki import load_anki_pairs
from train.errors import DataError


def write(tmp_path, data, name="pairs.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_real_tatoeba_file(fra_eng):
    pairs, report = load_anki_pairs(fra_eng)
    assert report.pairs == len(pairs) == 69768 and report.malformed == 0
    assert pairs[0] == ("Go.", "Va !")
    assert pairs[1] == ("Run!", "Cours\u202f!")  # narrow no-break space kept as published


def test_three_columns_bom_crlf_and_blank_lines(tmp_path):
    data = ("\ufeffGo.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\r\n"
            "\r\n   \r\nHi.\tSalut !\tCC-BY 2.0\r\n").encode("utf-8")
    pairs, report = load_anki_pairs(write(tmp_path, data))
    assert pairs == [("Go.", "Va !"), ("Hi.", "Salut !")]
    assert (report.blank, report.malformed, report.lines) == (2, 0, 4)


def test_distributed_zip_is_read_in_place(tmp_path):
    path = tmp_path / "fra-eng.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_about.txt", "about the data")
        archive.writestr("fra.txt", "Go.\tVa !\tCC\nHi.\tSalut !\tCC\n")
    pairs, _ = load_anki_pairs(path)
    assert pairs == [("Go.", "Va !"), ("Hi.", "Salut !")]


def test_zip_with_several_texts_names_them(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "x\ty\n")
        archive.writestr("b.txt", "x\ty\n")
    with pytest.raises(DataError, match=r"exactly one data \.txt.*a\.txt.*b\.txt"):
        load_anki_pairs(path)


def test_malformed_lines_are_counted_with_line_numbers(tmp_path):
    data = b"Go.\tVa !\nno tab here\na\tb\tc\td\n\tempty input\nok\t\nHi.\tSalut !\n"
    pairs, report = load_anki_pairs(write(tmp_path, data))
    assert pairs == [("Go.", "Va !"), ("Hi.", "Salut !")]
    assert report.malformed == 4
    assert [n for n, _ in report.examples] == [2, 3, 4, 5]
    assert "line 2: no tab" in report.summary() and "4 tab-separated fields" in report.summary()
    with pytest.raises(DataError, match="4 malformed lines.*line 2: no tab"):
        load_anki_pairs(write(tmp_path, data), strict=True)


def test_wrong_encoding_is_reported_per_line_with_a_hint(tmp_path):
    data = "Go.\tVa !\nCafé.\tCafé.\n".encode("latin-1")
    pairs, report = load_anki_pairs(write(tmp_path, data))
    assert pairs == [("Go.", "Va !")]
    assert report.examples[0][0] == 2 and "not valid utf-8" in report.examples[0][1]
    assert "--encoding latin-1" in report.examples[0][1]
    pairs, report = load_anki_pairs(write(tmp_path, data), encoding="latin-1")
    assert pairs[1] == ("Café.", "Café.") and report.malformed == 0


def test_binary_garbage_gives_no_pairs_and_counts_every_line(tmp_path):
    import random

    garbage = bytes(random.Random(0).randrange(256) for _ in range(20000))
    pairs, report = load_anki_pairs(write(tmp_path, garbage, "garbage.bin"))
    assert pairs == [] and report.malformed == report.lines - report.blank > 0


def test_huge_line_is_read_not_truncated(tmp_path):
    data = b"Go.\tVa !\n" + b"x" * 1_000_000 + b"\t" + b"y" * 10 + b"\n"
    pairs, _ = load_anki_pairs(write(tmp_path, data))
    assert len(pairs) == 2 and len(pairs[1][0]) == 1_000_000


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="data file not found"):
        load_anki_pairs(tmp_path / "nope.txt")
    with pytest.raises(DataError, match="is a folder"):
        load_anki_pairs(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    from train import lines

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(lines, "open", refuse, raising=False)  # as for a user without rights
    with pytest.raises(DataError, match="not readable \\(permission denied\\)"):
        load_anki_pairs(write(tmp_path, b"Go.\tVa !\n"))


def test_corrupt_compressed_data(tmp_path):
    path = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("fra.txt", "Go.\tVa !\n" * 5000)
    data = bytearray(path.read_bytes())
    data[200:260] = b"\xff" * 60  # inside the deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="corrupt.zip: damaged zip archive"):
        load_anki_pairs(path)


def test_damaged_zip(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("fra.txt", "Go.\tVa !\n" * 1000)
    damaged = write(tmp_path, good.read_bytes()[:-200] + b"\x00" * 50, "damaged.zip")
    with pytest.raises(DataError, match="zip"):
        load_anki_pairs(damaged)


def test_random_bytes_named_zip_say_it_is_not_a_zip(tmp_path):
    path = tmp_path / "fra-eng.zip"
    path.write_bytes(bytes(range(1, 256)) * 10)
    with pytest.raises(DataError, match="named .zip but not a zip archive") as raised:
        load_anki_pairs(path)
    assert "latin-1" not in str(raised.value)
