import pytest

from train.cornell import load_cornell_pairs
from train.errors import DataError

from train.cornell import SEPARATOR as S


def line(number, character, movie, name, text):
    return f"L{number}{S}{character}{S}{movie}{S}{name}{S}{text}"


def write_lines(folder, lines, encoding="iso-8859-1"):
    path = folder / "movie_lines.txt"
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def test_real_file_gives_ordered_exchanges(movie_lines):
    pairs, report = load_cornell_pairs(movie_lines)
    assert report.malformed == 0 and len(pairs) > 20000
    # L194 (BIANCA) -> L195 (CAMERON) in m0; the file lists ids in descending order
    assert ("Can we make this quick?  Roxanne Korrine and Andrew Barrett are having an "
            "incredibly horrendous public break- up on the quad.  Again.",
            "Well, I thought we'd start with pronunciation, if that's okay with you.") in pairs


def test_real_file_lowercase_and_max_length(movie_lines):
    pairs, report = load_cornell_pairs(movie_lines, lowercase=True, max_length=100)
    assert all(len(a) <= 100 and len(b) <= 100 for a, b in pairs)
    assert all(a == a.lower() and b == b.lower() for a, b in pairs)
    assert report.filtered["pairs longer than 100 characters"] > 0


def test_consecutive_ids_same_movie_different_speakers(tmp_path):
    path = write_lines(tmp_path, [
        line(5, "u1", "m1", "B", "Other movie."),
        line(4, "u0", "m0", "A", "Still me."),
        line(3, "u0", "m0", "A", "Fine."),
        line(2, "u1", "m0", "B", "How are you?"),
        line(1, "u0", "m0", "A", "Hi."),
    ])
    pairs, report = load_cornell_pairs(path)
    assert pairs == [("Hi.", "How are you?"), ("How are you?", "Fine.")]
    assert report.filtered == {"same-speaker continuations": 1}


def test_iso_8859_1_text_is_decoded(tmp_path):
    path = write_lines(tmp_path, [line(1, "u0", "m0", "A", "Café?"),
                                  line(2, "u1", "m0", "B", "Très bien.")])
    assert load_cornell_pairs(path)[0] == [("Café?", "Très bien.")]


def test_conversations_file_is_used_when_present(tmp_path):
    path = write_lines(tmp_path, [line(n, f"u{n % 2}", "m0", "X", f"text {n}") for n in range(1, 6)])
    (tmp_path / "movie_conversations.txt").write_text(
        f"u0{S}u1{S}m0{S}['L1', 'L2']\nu0{S}u1{S}m0{S}['L4', 'L5', 'L9']\n")
    pairs, report = load_cornell_pairs(path)
    assert pairs == [("text 1", "text 2"), ("text 4", "text 5")]
    assert report.filtered == {"conversation lines missing from movie_lines": 1}


def test_malformed_and_empty_lines(tmp_path):
    path = write_lines(tmp_path, [
        line(1, "u0", "m0", "A", "Hello."),
        "garbage without separators",
        line(2, "u1", "m0", "B", "").rstrip(),
        line(3, "u0", "m0", "A", "Anyone?"),
    ])
    pairs, report = load_cornell_pairs(path)
    assert pairs == []  # L1 -> L2 and L2 -> L3 each have an empty side
    assert report.malformed == 1 and report.examples[0][0] == 2
    assert report.filtered == {"pairs with an empty utterance": 2}
    with pytest.raises(DataError, match="1 malformed lines.*line 2"):
        load_cornell_pairs(path, strict=True)
