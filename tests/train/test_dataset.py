import numpy as np
import pytest

from runtime import END_ID, START_ID, UNK_ID
from train.config import make_config
from train.dataset import prepare
from train.errors import ConfigError, DataError
from train.lines import LoadReport

PAIRS = [(f"go {i}", f"va {i} !") for i in range(50)]


def test_split_sizes_and_special_tokens():
    config = make_config(num_samples=40, val_fraction=0.25)
    data = prepare(PAIRS, config, LoadReport("x"))
    assert (len(data.train), len(data.validation)) == (30, 10)
    target = data.train.targets[0]
    assert target[0] == START_ID and target[-1] == END_ID and target.dtype == np.int32
    assert data.stats()["max_target_length"] == 3


def test_vocabulary_comes_from_the_training_split_only():
    config = make_config(num_samples=50, val_fraction=0.2, val_split="last")
    data = prepare(PAIRS, config, LoadReport("x"))
    assert "49" not in data.source_vocab.ids  # "go 49" is in the validation tail
    assert UNK_ID in data.validation.sources[-1]


def test_same_seed_same_split_other_seed_other_split():
    a = prepare(PAIRS, make_config(seed=1), LoadReport("x")).validation.texts
    assert prepare(PAIRS, make_config(seed=1), LoadReport("x")).validation.texts == a
    assert prepare(PAIRS, make_config(seed=2), LoadReport("x")).validation.texts != a


def test_length_limits_filter_and_are_reported():
    pairs = [("a b c", "x"), ("a", "x y z w"), ("a", "x")] * 5
    report = LoadReport("x")
    data = prepare(pairs, make_config(max_input_length=2, max_target_length=3, val_fraction=0.2),
                   report)
    assert len(data.train) + len(data.validation) == 5
    assert report.filtered == {"inputs longer than 2 tokens": 5, "targets longer than 3 tokens": 5}


def test_empty_after_filtering_and_empty_split_are_clear_errors():
    with pytest.raises(DataError, match="no pairs left to train on.*inputs longer than 1"):
        prepare([("a b", "x")] * 3, make_config(max_input_length=1), LoadReport("f.txt"))
    with pytest.raises(ConfigError, match="3 pairs with val_fraction=0.1 leave 3 to train and 0"):
        prepare([("a", "x")] * 3, make_config(val_fraction=0.1), LoadReport("f.txt"))


def test_given_vocabularies_are_reused():
    first = prepare(PAIRS, make_config(), LoadReport("x"))
    again = prepare(PAIRS[:20], make_config(), LoadReport("x"),
                    vocabularies=(first.source_vocab, first.target_vocab))
    assert again.source_vocab is first.source_vocab
