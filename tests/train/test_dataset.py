import numpy as np
import pytest

from runtime import END_ID, START_ID, UNK_ID
from train.config import make_config
from train.dataset import prepare
from train.errors import ConfigError, DataError
from train.lines import LoadReport

PAIRS = [(f"go {i}", f"va {i} !") for i in range(50)]


def test_split_sizes_and_special_tokens():
    config = make_config("word", num_samples=40, val_fraction=0.25)
    data = prepare(PAIRS, config, LoadReport("x"))
    assert (len(data.train), len(data.validation)) == (30, 10)
    target = data.train.targets[0]
    assert target[0] == START_ID and target[-1] == END_ID and target.dtype == np.int32
    assert data.stats()["max_target_length"] == 3


def test_vocabulary_comes_from_the_training_split_only():
    config = make_config("word", num_samples=50, val_fraction=0.2, val_split="last")
    data = prepare(PAIRS, config, LoadReport("x"))
    assert "49" not in data.source_vocab.ids  # "go 49" is in the validation tail
    assert UNK_ID in data.validation.sources[-1]


def test_same_seed_same_split_other_seed_other_split():
    a = prepare(PAIRS, make_config("word", seed=1), LoadReport("x")).validation.texts
    assert prepare(PAIRS, make_config("word", seed=1), LoadReport("x")).validation.texts == a
    assert prepare(PAIRS, make_config("word", seed=2), LoadReport("x")).validation.texts != a


def test_length_limits_filter_and_are_reported():
    pairs = [("a b c", "x"), ("a", "x y z w"), ("a", "x")] * 5
    report = LoadReport("x")
    data = prepare(pairs, make_config("word", max_input_length=2, max_target_length=3, val_fraction=0.2),
                   report)
    assert len(data.train) + len(data.validation) == 5
    assert report.filtered == {"inputs longer than 2 tokens": 5, "targets longer than 3 tokens": 5}


def test_empty_after_filtering_and_empty_split_are_clear_errors():
    with pytest.raises(DataError, match="no pairs left to train on.*inputs longer than 1"):
        prepare([("a b", "x")] * 3, make_config("word", max_input_length=1), LoadReport("f.txt"))
    with pytest.raises(ConfigError, match="3 pairs with val_fraction=0.1 leave 3 to train and 0"):
        prepare([("a", "x")] * 3, make_config("word", val_fraction=0.1), LoadReport("f.txt"))


def test_given_vocabularies_are_reused():
    first = prepare(PAIRS, make_config("word"), LoadReport("x"))
    again = prepare(PAIRS[:20], make_config("word"), LoadReport("x"),
                    vocabularies=(first.source_vocab, first.target_vocab))
    assert again.source_vocab is first.source_vocab


# Subword level: the SentencePiece models come from the training split, then the limits.
SENTENCES = [(f"the {w} cat sees {i} dogs .", f"le chat {w} voit {i} chiens !")
             for i in range(40) for w in ("big", "small", "red")]


def subword_config(**options):
    return make_config(**{"level": "subword", "subword_vocab_size": 288, "val_fraction": 0.1,
                          **options})


def test_subword_pieces_are_the_vocabulary_and_no_token_is_unknown():
    data = prepare(SENTENCES, subword_config(), LoadReport("x"))
    source, target = data.tokenizers
    assert list(data.source_vocab.tokens) == [source.pieces.processor.id_to_piece(i)
                                              for i in range(len(data.source_vocab))]
    assert data.source_vocab.tokens[:4] == ("<pad>", "<start>", "<end>", "<unk>")
    every = np.concatenate(data.train.sources + data.validation.sources)
    assert UNK_ID not in every
    assert target.detokenize(data.target_vocab.decode(data.train.targets[0][1:])) == \
        data.train.texts[0][1]


def test_subword_models_are_trained_on_the_training_split_only():
    pairs = SENTENCES + [("zebra", "zèbre")] * 2
    config = subword_config(val_split="last", val_fraction=2 / len(pairs))
    data = prepare(pairs, config, LoadReport("x"))
    assert [t for t, _ in data.validation.texts] == ["zebra", "zebra"]
    assert "▁zebra" not in data.source_vocab.ids  # never seen in training: spelled in pieces
    assert UNK_ID not in data.validation.sources[0]


def test_given_subword_tokenizers_rebuild_the_same_ids():
    first = prepare(SENTENCES, subword_config(), LoadReport("x"))
    assert len(first.subword_models) == 2 and all(first.subword_models)
    again = prepare(SENTENCES, subword_config(), LoadReport("x"),
                    (first.source_vocab, first.target_vocab), first.tokenizers)
    assert again.subword_models == ()  # nothing trained
    assert all(np.array_equal(a, b) for a, b in zip(first.train.sources, again.train.sources))
    assert again.validation.texts == first.validation.texts


def test_subword_length_limits_apply_after_the_split():
    unlimited = prepare(SENTENCES, subword_config(), LoadReport("x"))
    lengths = sorted(len(s) for s in unlimited.train.sources + unlimited.validation.sources)
    limit = lengths[len(lengths) // 2]
    report = LoadReport("x")
    data = prepare(SENTENCES, subword_config(max_input_length=limit), report)
    kept = data.train.sources + data.validation.sources
    assert all(len(s) <= limit for s in kept) and len(kept) < len(lengths)
    assert f"inputs longer than {limit} tokens" in report.summary()
    assert data.source_vocab == unlimited.source_vocab  # models from the split, before limits


def test_a_subword_vocabulary_too_small_for_the_characters_is_a_one_line_error():
    with pytest.raises(ConfigError, match="subword_vocab_size 270 is too small for the source "
                                          "side of the 108 training pairs: .* at least 286"):
        prepare(SENTENCES, subword_config(subword_vocab_size=270), LoadReport("x"))


def test_a_subword_vocabulary_too_large_for_the_data_is_a_one_line_error():
    with pytest.raises(ConfigError, match="subword_vocab_size 5000 is too large for the source "
                                          "side of the 108 training pairs: their text allows "
                                          "at most \\d+ pieces"):
        prepare(SENTENCES, subword_config(subword_vocab_size=5000), LoadReport("x"))
