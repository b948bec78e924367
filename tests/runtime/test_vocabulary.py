import json

import pytest

from runtime import END_ID, PAD_ID, RESERVED, START_ID, UNK_ID, Vocabulary, VocabularyError


def test_reserved_tokens_come_first():
    vocab = Vocabulary.build([["b", "a", "b"]])
    assert vocab.tokens[:4] == RESERVED
    assert (PAD_ID, START_ID, END_ID, UNK_ID) == (0, 1, 2, 3)


def test_order_is_frequency_then_code_point_and_deterministic():
    sequences = [["c", "b", "a"], ["b", "c"], ["c"]]
    vocab = Vocabulary.build(sequences)
    assert vocab.tokens[4:] == ("c", "b", "a")
    assert Vocabulary.build(reversed(sequences)) == vocab


def test_min_frequency_and_max_size():
    sequences = [["a"] * 3 + ["b"] * 2 + ["c"]]
    assert Vocabulary.build(sequences, min_frequency=2).tokens[4:] == ("a", "b")
    assert Vocabulary.build(sequences, max_size=5).tokens[4:] == ("a",)
    with pytest.raises(VocabularyError, match="max_size must exceed"):
        Vocabulary.build(sequences, max_size=4)
    with pytest.raises(VocabularyError, match="min_frequency must be >= 1"):
        Vocabulary.build(sequences, min_frequency=0)


def test_literal_reserved_token_in_data_does_not_alias():
    vocab = Vocabulary.build([["<end>", "x"]])
    assert vocab.tokens.count("<end>") == 1


def test_encode_maps_unknown_and_decode_stops_at_end():
    vocab = Vocabulary.build([["a", "b"]])
    ids = vocab.encode(["a", "zzz", "b"])
    assert ids[1] == UNK_ID
    assert vocab.decode([START_ID, *ids, END_ID, vocab.ids["a"]]) == ["a", "<unk>", "b"]
    with pytest.raises(VocabularyError, match="outside 0..5"):
        vocab.decode([6])


def test_save_load_round_trip_is_a_plain_json_list(tmp_path):
    vocab = Vocabulary.build([list("héllo wörld\u202f!")])
    path = tmp_path / "vocab.json"
    vocab.save(path)
    assert json.loads(path.read_text(encoding="utf-8")) == list(vocab.tokens)
    assert Vocabulary.load(path) == vocab
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]  # no temporary left


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ('{"a": 1}', "expected a JSON list of strings, got a JSON dict"),
    ('[1, 2]', "a vocabulary must be a list of strings"),
    ('["a", "b"]', "must start with"),
    ('["<pad>", "<start>", "<end>", "<unk>", "x", "x"]', "appears twice"),
])
def test_load_rejects_malformed_files(tmp_path, content, message):
    path = tmp_path / "vocab.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError, match=message):
        Vocabulary.load(path)
