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
    ({"num_samples": 1}, "num_samples must be 0 \\(all pairs\\) or >= 2"),
    ({"subword_vocab_size": 100}, "subword_vocab_size must be >= 264"),
    ({"subword_algorithm": "wordpiece"}, "subword_algorithm must be one of"),
    ({"embedding_dropout": 1.0}, "embedding_dropout must be in \\[0, 1\\), got 1.0"),
    ({"recurrent_dropout": -0.1}, "recurrent_dropout must be in \\[0, 1\\)"),
    ({"combine_dim": 64, "attention": "none"}, "combine_dim 64 needs --attention"),
    ({"tie_embeddings": True, "combine_dim": 64}, "tie_embeddings needs the output layer's "
                                                  "input \\(64 wide: combine_dim\\) to be as "
                                                  "wide as the target embedding \\(embedding_dim 128\\)"),
    ({"tie_embeddings": True, "attention": "none"}, "\\(256 wide: latent_dim\\)"),
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
    assert set(PRESETS) == {"default", "keras-io", "word"}


def test_the_default_preset_is_subword_with_attention_over_every_pair():
    config = make_config()
    assert (config.level, config.attention, config.num_samples, config.val_split,
            config.max_input_length, config.max_target_length) == (
        "subword", "bahdanau", 0, "random", 0, 0)
    assert config.time_budget_minutes > 0  # make demo fits its time
    assert (config.combine_dim, config.embedding_dim, config.tie_embeddings) == (128, 128, True)


@pytest.mark.parametrize("options", [{"attention": "none"}, {"embedding_dim": 64},
                                     {"combine_dim": 0}])
def test_the_default_tying_gives_way_where_the_widths_differ(options):
    assert make_config(**options).tie_embeddings is False


@pytest.mark.parametrize("preset", ["keras-io", "word"])
def test_the_other_presets_keep_their_models(preset):
    """They name every option the default preset changed, so they stay what they were."""
    config = make_config(preset)
    assert config.attention == "none" and config.combine_dim == 0
    assert (config.embedding_dropout, config.lstm_dropout, config.recurrent_dropout,
            config.output_dropout) == (0, 0, 0, 0)
    assert config.level == {"keras-io": "char", "word": "word"}[preset]
    assert config.num_samples == {"keras-io": 10000, "word": 20000}[preset]
