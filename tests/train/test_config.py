import pytest

from train.config import PRESETS, identity_changes, make_config
from train.errors import ConfigError


def test_keras_io_preset_matches_the_example():
    config = make_config("keras-io")
    assert (config.num_samples, config.level, config.embedding_dim, config.latent_dim,
            config.batch_size, config.optimizer, config.epochs, config.val_fraction,
            config.val_split) == (10000, "char", 0, 256, 64, "rmsprop", 100, 0.2, "last")


def test_explicit_options_override_the_preset():
    assert make_config("keras-io", epochs=3).epochs == 3


@pytest.mark.parametrize("options, message", [
    ({"val_fraction": 1.5}, "val_fraction must be strictly between 0 and 1, got 1.5"),
    ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ({"level": "byte"}, "level must be one of"),
    ({"max_vocab_size": 3}, "max_vocab_size must exceed the 4 reserved tokens"),
    ({"num_samples": 1}, "num_samples must be >= 2"),
    ({"bogus": 1}, "unknown options: \\['bogus'\\]"),
    ({"encoding": "klingon"}, "encoding 'klingon' is not a known text encoding"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ConfigError, match=message):
        make_config("default", **options)


def test_unknown_preset():
    with pytest.raises(ConfigError, match="unknown preset 'big'"):
        make_config("big")


def test_schedule_changes_do_not_count_as_another_run():
    saved = make_config("default")
    assert identity_changes(saved, make_config("default", epochs=99, patience=9)) == []
    assert identity_changes(saved, make_config("default", latent_dim=8)) == [("latent_dim", 256, 8)]
    assert set(PRESETS) == {"default", "keras-io"}
