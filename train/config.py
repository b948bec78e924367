"""Everything a training run needs, in one dataclass; saved as RUN_DIR/config.json.

Presets give defaults; any explicitly set option overrides them. `validate` turns
out-of-range or contradictory settings into a one-line ConfigError.
"""

import codecs
import dataclasses

from runtime.manifest import ATTENTIONS
from runtime.tokenize import LEVELS
from train.cluster import DISTRIBUTES
from train.errors import ConfigError
from train.sources import FORMATS
from train.subword import ALGORITHMS, MIN_VOCAB_SIZE


@dataclasses.dataclass
class TrainConfig:
    # The defaults are the default preset's: the model `make demo` trains (benchmarks/quality.py
    # measured the choices; see README.md).
    # data
    data: str = ""                  # pairs file (.txt or .zip); "" = shared copy or download
    data_format: str = "auto"       # "anki", "cornell" or "auto" (detected from the file)
    encoding: str = ""              # "" = utf-8 for anki, iso-8859-1 for cornell
    strict: bool = False            # a malformed line is an error instead of a counted skip
    num_samples: int = 0            # use the first N pairs that pass the length limits
                                    # (0 = all; subword level: the first N, then the limits)
    max_input_length: int = 0       # in tokens; longer pairs are skipped (0 = no limit)
    max_target_length: int = 0      # in tokens, before the added start/end (0 = no limit)
    val_fraction: float = 0.05      # held out for validation
    val_split: str = "random"       # "random" (seeded) or "last" (the tail, as Keras's
                                    # validation_split takes it)
    stream: bool = False            # read the file in passes into an on-disk token cache
                                    # instead of memory (corpora of millions of pairs;
                                    # train/streaming.py); holds out pairs by a seeded draw
    # tokens
    level: str = "subword"          # "char" (keras-io), "word" or "subword" (SentencePiece)
    lowercase: bool = False
    min_frequency: int = 1          # word level: rarer tokens become <unk>
    max_vocab_size: int = 0         # char/word level: reserved tokens included (0 = no limit)
    subword_vocab_size: int = 4000  # subword level: pieces per side, reserved and bytes included
    subword_algorithm: str = "unigram"  # subword level: SentencePiece's "unigram" or "bpe"
    # model
    embedding_dim: int = 128        # 0 = one-hot inputs (a frozen identity embedding)
    latent_dim: int = 256           # LSTM units; also the size of each state h and c
    attention: str = "bahdanau"     # "none", "luong" (general), "luong-dot" or "bahdanau"
                                    # (additive): see train/attention.py
    combine_dim: int = 128          # attention combination width, the output layer's input
                                    # (0 = latent_dim); narrower cuts the per-step output MatMul
                                    # (without attention there is no such layer: unused)
    tie_embeddings: bool = True     # the output layer is the target embedding, transposed
                                    # (Press & Wolf); its input must be embedding_dim wide
                                    # (where it is not, the default unties; asked for, an error)
    # regularisation (dropout rates, 0 = off; training only, never in the exported graphs).
    # Off by default: within the demo's time budget the model does not overfit, and 0.2 on
    # the embeddings and the output cost 0.8 chrF (benchmarks/quality.py)
    embedding_dropout: float = 0.0  # on both embeddings' outputs
    lstm_dropout: float = 0.0       # on the LSTMs' inputs (Keras LSTM `dropout`)
    recurrent_dropout: float = 0.0  # on the LSTMs' recurrent state (slower to train)
    output_dropout: float = 0.0     # before the output layer
    # optimisation
    optimizer: str = "adam"         # "adam" or "rmsprop"
    learning_rate: float = 0.001
    batch_size: int = 64
    epochs: int = 30
    patience: int = 3               # early stopping on validation loss (0 = off)
    time_budget_minutes: float = 12.0  # stop before an epoch that would overrun it (0 = off);
                                    # 12: `make demo` within 20 minutes of a fresh clone
    seed: int = 1337                # 0 <= seed < 2**32
    # where it trains
    distribute: str = "none"        # "none" (one device), "multi-worker" (the cluster in
                                    # TF_CONFIG) or "mirrored" (this machine's GPUs); a run
                                    # keeps the one it started with
    preset: str = "default"


# Options that differ from the defaults above. Every preset names all it needs, so a change
# of the defaults cannot change it.
_NO_REGULARISATION = dict(embedding_dropout=0.0, lstm_dropout=0.0, recurrent_dropout=0.0,
                          output_dropout=0.0, combine_dim=0, tie_embeddings=False)
PRESETS = {
    "default": {},
    # The keras-io lstm_seq2seq example's model and hyperparameters.
    "keras-io": dict(num_samples=10000, level="char", lowercase=False, embedding_dim=0,
                     latent_dim=256, batch_size=64, optimizer="rmsprop", epochs=100,
                     patience=0, val_fraction=0.2, val_split="last", attention="none",
                     time_budget_minutes=0.0, **_NO_REGULARISATION),
    # The default model before issue 14: words of the first 20,000 pairs, no attention.
    "word": dict(num_samples=20000, level="word", lowercase=True, val_fraction=0.1,
                 attention="none", embedding_dim=128, latent_dim=256, batch_size=64,
                 time_budget_minutes=0.0, **_NO_REGULARISATION),
}
OPTIMIZERS = ("adam", "rmsprop")
DROPOUTS = ("embedding_dropout", "lstm_dropout", "recurrent_dropout", "output_dropout")
VAL_SPLITS = ("random", "last")
# Changing these between a run and its resumption is fine; anything else is another model.
# (`data` is compared by the file's SHA-256 instead: the same file may be named two ways.)
SCHEDULE_FIELDS = ("epochs", "patience", "time_budget_minutes", "data")


def make_config(preset="default", **overrides):
    """Preset defaults, then `overrides` (only the options a user actually set)."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"unknown options: {unknown}")
    config = TrainConfig(preset=preset, **{**PRESETS[preset], **overrides})
    if "tie_embeddings" not in overrides and config.tie_embeddings \
            and not _tie_fits(config):  # e.g. --attention none: the default does not apply
        config.tie_embeddings = False
    validate(config)
    if overrides.get("combine_dim") and config.attention == "none":
        raise ConfigError(f"combine_dim {config.combine_dim} needs --attention: a model "
                          f"without attention has no combination layer")
    return config


def validate(config):
    c = config
    checks = [  # (holds, fields it is about, what must be true)
        (c.data_format in FORMATS, "data_format", f"must be one of {FORMATS}"),
        (c.level in LEVELS, "level", f"must be one of {LEVELS}"),
        (c.subword_algorithm in ALGORITHMS, "subword_algorithm", f"must be one of {ALGORITHMS}"),
        (c.subword_vocab_size >= MIN_VOCAB_SIZE, "subword_vocab_size",
         f"must be >= {MIN_VOCAB_SIZE} (4 reserved tokens, 256 byte pieces, some text)"),
        (c.attention in ATTENTIONS, "attention", f"must be one of {ATTENTIONS}"),
        (c.optimizer in OPTIMIZERS, "optimizer", f"must be one of {OPTIMIZERS}"),
        (c.num_samples == 0 or c.num_samples >= 2, "num_samples",
         "must be 0 (all pairs) or >= 2 (one to train, one to validate)"),
        (0 < c.val_fraction < 1, "val_fraction", "must be strictly between 0 and 1"),
        (c.val_split in VAL_SPLITS, "val_split", f"must be one of {VAL_SPLITS}"),
        (c.max_input_length >= 0, "max_input_length", "must be >= 0 (0 = no limit)"),
        (c.max_target_length >= 0, "max_target_length", "must be >= 0 (0 = no limit)"),
        (c.min_frequency >= 1, "min_frequency", "must be >= 1"),
        (c.max_vocab_size == 0 or c.max_vocab_size > 4, "max_vocab_size",
         "must exceed the 4 reserved tokens (or be 0 for no limit)"),
        (c.embedding_dim >= 0, "embedding_dim", "must be >= 0 (0 = one-hot inputs)"),
        (c.latent_dim >= 1, "latent_dim", "must be >= 1"),
        (c.combine_dim >= 0, "combine_dim", "must be >= 0 (0 = latent_dim)"),
        *((0 <= getattr(c, name) < 1, name, "must be in [0, 1)") for name in DROPOUTS),
        (c.learning_rate > 0, "learning_rate", "must be > 0"),
        (c.batch_size >= 1, "batch_size", "must be >= 1"),
        (c.epochs >= 1, "epochs", "must be >= 1"),
        (c.patience >= 0, "patience", "must be >= 0 (0 = no early stopping)"),
        (c.time_budget_minutes >= 0, "time_budget_minutes", "must be >= 0 (0 = no budget)"),
        (0 <= c.seed < 2**32, "seed", "must be in 0 .. 2**32 - 1"),
        (c.distribute in DISTRIBUTES, "distribute", f"must be one of {DISTRIBUTES}"),
    ]
    for holds, field, requirement in checks:
        if not holds:
            raise ConfigError(f"{field} {requirement}, got {getattr(c, field)!r}")
    if c.tie_embeddings and not _tie_fits(c):
        features = _output_layer_input(c)
        raise ConfigError(f"tie_embeddings needs the output layer's input ({features} wide: "
                          f"{'combine_dim' if c.attention != 'none' else 'latent_dim'}) to be "
                          f"as wide as the target embedding (embedding_dim {c.embedding_dim})")
    if c.stream and c.val_split == "last":
        raise ConfigError("--stream holds out a seeded random val_fraction of the pairs as it "
                          "reads them; --val-split last (the file's tail) needs the whole file "
                          "first: use --val-split random, or leave --stream out")
    if c.encoding and not _is_text_encoding(c.encoding):
        raise ConfigError(f"encoding {c.encoding!r} is not a known text encoding "
                          f"(e.g. utf-8, latin-1)")


def _output_layer_input(config):
    """The output layer's input width: the attention combination's, or the LSTM's."""
    if config.attention == "none":
        return config.latent_dim
    return config.combine_dim or config.latent_dim


def _tie_fits(config):
    return config.embedding_dim > 0 and _output_layer_input(config) == config.embedding_dim


def _is_text_encoding(name):
    try:
        return codecs.lookup(name)._is_text_encoding  # False for hex, rot13, zlib, ...
    except LookupError:
        return False


def identity_changes(saved, requested):
    """Fields that make another model, whose values differ: [(name, saved, requested)]."""
    return [(f.name, getattr(saved, f.name), getattr(requested, f.name))
            for f in dataclasses.fields(TrainConfig)
            if f.name not in SCHEDULE_FIELDS
            and getattr(saved, f.name) != getattr(requested, f.name)]


def from_dict(values):
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"config.json has unknown fields {unknown}")
    return TrainConfig(**values)
