"""Text pairs -> token ids: tokenize, filter by length, take N, split, build vocabularies.

Vocabularies are built from the training split only, so validation measures what a user
will see on new text (unseen tokens become <unk>). At subword level the split comes first
(the SentencePiece models are trained on the training split's text), then the length limits.
"""

import dataclasses
import functools

import numpy as np

from runtime.tokenize import Tokenizer, subword_tokenizer
from runtime.vocabulary import END_ID, START_ID, Vocabulary
from train import subword
from train.errors import ConfigError, DataError
from train.sources import load_pairs
from train.streaming import prepare_streamed


@dataclasses.dataclass
class Split:
    """One split, pair i = (sources[i], targets[i]); ids are int32 numpy arrays."""

    texts: list      # [(input_text, target_text)]
    sources: list    # each (source_length,): source ids, no start/end
    targets: list    # each (target_length + 2,): <start> ids... <end>

    def __len__(self):
        return len(self.sources)

    @functools.cached_property
    def source_lengths(self):  # (pairs,) what length bucketing sorts by
        return np.array([len(s) for s in self.sources], dtype=np.int64)

    @functools.cached_property
    def target_lengths(self):  # (pairs,) <start> and <end> included
        return np.array([len(t) for t in self.targets], dtype=np.int64)


@dataclasses.dataclass
class PreparedData:
    train: Split
    validation: Split
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    tokenizers: tuple            # (source, target) runtime.tokenize.Tokenizer
    subword_models: tuple = ()   # subword level, trained here: (source, target) .model bytes
    cache: object = None         # --stream: the token cache's folder, kept while data lives

    def stats(self):
        """Figures saved in config.json: what export and the runtime need to know."""
        splits = (self.train, self.validation)
        return {
            "train_pairs": len(self.train),
            "validation_pairs": len(self.validation),
            "source_vocab_size": len(self.source_vocab),
            "target_vocab_size": len(self.target_vocab),
            "max_source_length": int(max(split.source_lengths.max() for split in splits)),
            "max_target_length": int(max(split.target_lengths.max() for split in splits)) - 2,
        }


def prepare(pairs, config, report, vocabularies=None, tokenizers=None):
    """Pairs -> PreparedData. `vocabularies` and `tokenizers` (each (source, target)), when
    resuming, replace the ones that would be built, so ids cannot shift under a saved model
    (subword level: both or neither)."""
    if config.level == "subword":
        return _prepare_subword(pairs, config, report, vocabularies, tokenizers)
    tokenizers = tokenizers or (Tokenizer(config.level, config.lowercase),) * 2
    tokenized = _tokenize_and_filter(pairs, config, report, tokenizers)
    if not tokenized:
        raise DataError(f"no pairs left to train on: {report.summary()}")
    train_items, validation_items = _split(tokenized, config)
    if vocabularies is None:
        vocabularies = (
            _build_vocab([s for _, _, s, _ in train_items], config),
            _build_vocab([t for _, _, _, t in train_items], config),
        )
    return _prepared(train_items, validation_items, vocabularies, tokenizers)


def _prepare_subword(pairs, config, report, vocabularies, tokenizers):
    """Take the pairs, split, train the SentencePiece models on the training split (unless
    given), then tokenize and apply the length limits to each split."""
    texts = []
    for source_text, target_text in pairs:
        if not source_text.strip() or not target_text.strip():
            report.add_filtered("pairs with no tokens")
            continue
        texts.append((source_text, target_text))
        if len(texts) == config.num_samples:
            break
    if not texts:
        raise DataError(f"no pairs left to train on: {report.summary()}")
    train_pairs, validation_pairs = _split(texts, config)
    models = ()
    if tokenizers is None:
        models = subword.train_models(train_pairs, config)
        tokenizers = tuple(subword_tokenizer(model, config.lowercase, f"the {side} subword model")
                           for model, side in zip(models, ("source", "target")))
    built = tuple(subword.vocabulary(t) for t in tokenizers)
    if vocabularies is not None and tuple(vocabularies) != built:
        raise ConfigError("the run's vocabularies are not its subword models' pieces: the run "
                          "directory is damaged; train it again into a new --out")
    train_items = _tokenize_and_filter(train_pairs, config, report, tokenizers)
    validation_items = _tokenize_and_filter(validation_pairs, config, report, tokenizers)
    if not train_items or not validation_items:
        raise DataError(f"the length limits leave {len(train_items)} training and "
                        f"{len(validation_items)} validation pairs; both need at least one: "
                        f"{report.summary()}")
    return _prepared(train_items, validation_items, built, tokenizers, models)


def _prepared(train_items, validation_items, vocabularies, tokenizers, models=()):
    source_vocab, target_vocab = vocabularies
    return PreparedData(
        _encode(train_items, source_vocab, target_vocab),
        _encode(validation_items, source_vocab, target_vocab),
        source_vocab, target_vocab, tuple(tokenizers), models,
    )


def load_and_prepare(path, config, vocabularies=None, tokenizers=None):
    """-> (PreparedData, LoadReport) from a data file: in memory, or streamed (--stream)."""
    if config.stream:
        return prepare_streamed(path, config, vocabularies, tokenizers)
    pairs, report = load_pairs(path, config.data_format, config.encoding or None,
                               config.strict)
    return prepare(pairs, config, report, vocabularies, tokenizers), report


def prepared_data(path, config, vocabularies, tokenizers=None):
    """A run's PreparedData (training and validation splits), rebuilt from its data file
    exactly as training built it."""
    return load_and_prepare(path, config, vocabularies, tokenizers)[0]


def validation_split(path, config, vocabularies, tokenizers=None):
    """The validation Split of a run's data file, rebuilt exactly as training split it."""
    return prepared_data(path, config, vocabularies, tokenizers).validation


def _tokenize_and_filter(pairs, config, report, tokenizers):
    """[(input, target, input_tokens, target_tokens)] for the first num_samples pairs that
    fit (0: all of them)."""
    return list(kept_pairs(pairs, config, report, tokenizers))


def kept_pairs(pairs, config, report, tokenizers, limit=True):
    """Yield (input, target, input_tokens, target_tokens) for each pair within the length
    limits, the first num_samples of them if `limit` (0: all)."""
    kept = 0
    source_tokenizer, target_tokenizer = tokenizers
    for source_text, target_text in pairs:
        source = source_tokenizer.tokenize(source_text)
        target = target_tokenizer.tokenize(target_text)
        if not source or not target:
            report.add_filtered("pairs with no tokens")
        elif config.max_input_length and len(source) > config.max_input_length:
            report.add_filtered(f"inputs longer than {config.max_input_length} tokens")
        elif config.max_target_length and len(target) > config.max_target_length:
            report.add_filtered(f"targets longer than {config.max_target_length} tokens")
        else:
            yield source_text, target_text, source, target
            kept += 1
            if limit and kept == config.num_samples:
                return


def _split(items, config):
    count = len(items)
    validation_count = int(round(count * config.val_fraction))
    if validation_count == 0 or validation_count == count:
        raise ConfigError(
            f"{count} pairs with val_fraction={config.val_fraction} leave "
            f"{count - validation_count} to train and {validation_count} to validate; "
            f"both need at least one: use more data or another val_fraction")
    if config.val_split == "last":
        return items[:count - validation_count], items[count - validation_count:]
    order = np.random.default_rng(config.seed).permutation(count)
    validation = set(order[:validation_count].tolist())
    train = [item for i, item in enumerate(items) if i not in validation]
    return train, [items[i] for i in sorted(validation)]


def _build_vocab(token_lists, config):
    return Vocabulary.build(token_lists, config.min_frequency, config.max_vocab_size or None)


def _encode(items, source_vocab, target_vocab):
    sources = [np.asarray(source_vocab.encode(s), dtype=np.int32) for _, _, s, _ in items]
    targets = [np.asarray([START_ID, *target_vocab.encode(t), END_ID], dtype=np.int32)
               for _, _, _, t in items]
    return Split([(a, b) for a, b, _, _ in items], sources, targets)
