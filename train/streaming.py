"""`--stream`: prepare a corpus larger than memory in passes over the file, into a token cache.

The in-memory path (train.dataset.prepare) holds every pair as Python strings and lists:
gigabytes at a few million pairs. Here the file is read line by line, twice:
    char/word: pass 1 tokenizes, filters and counts the training pairs' tokens (the
               vocabularies, built in one pass); pass 2 encodes each pair into the cache.
    subword:   pass 1 draws a seeded reservoir sample of at most SUBWORD_SAMPLE training
               pairs and trains the SentencePiece models on it; pass 2 tokenizes, filters
               and encodes each pair into the cache.
Memory is the vocabulary counters (char/word), the subword sample, and the cache's index (a
few bytes a pair: train.token_cache). Which pairs are held out cannot be a permutation of a
count not yet known, so here each pair is held out with probability val_fraction, decided by
a seeded generator from its position alone; the validation split therefore differs from the
in-memory path's, and `--val-split last` (the tail of a file not yet read) is refused.
"""

import collections

import numpy as np

from runtime.tokenize import Tokenizer, subword_tokenizer
from runtime.vocabulary import END_ID, START_ID, Vocabulary
from train import subword
from train.anki import anki_pairs
from train.errors import ConfigError, DataError
from train.lines import LoadReport
from train.sources import detect_format
from train.token_cache import CacheWriter, cache_folder

SUBWORD_SAMPLE = 200_000  # training pairs the SentencePiece models learn from, at most
_HOLDOUT_BLOCK = 1 << 16


def prepare_streamed(path, config, vocabularies=None, tokenizers=None):
    """-> (train.dataset.PreparedData whose splits are CachedSplits, LoadReport)."""
    from train.dataset import PreparedData, kept_pairs  # dataset dispatches here

    if config.data_format == "cornell" or (config.data_format == "auto"
                                           and detect_format(path) == "cornell"):
        raise ConfigError("--stream reads input<TAB>target files; the Cornell corpus "
                          "(about 220,000 exchanges) fits in memory: leave --stream out")
    encoding = config.encoding or "utf-8"

    def pairs(report):
        return anki_pairs(path, encoding, report, config.strict)

    if config.level == "subword":
        tokenizers, models = _subword_tokenizers(pairs, config, tokenizers)
        built = tuple(subword.vocabulary(t) for t in tokenizers)
        if vocabularies is not None and tuple(vocabularies) != built:
            raise ConfigError("the run's vocabularies are not its subword models' pieces: "
                              "the run directory is damaged; train it again into a new --out")
        vocabularies = built
    else:
        models = ()
        tokenizers = tokenizers or (Tokenizer(config.level, config.lowercase),) * 2
        if vocabularies is None:
            vocabularies = _count_vocabularies(pairs, config, tokenizers)
    report = LoadReport(str(path))
    folder = cache_folder()
    train_split, validation_split = _write_cache(
        folder.name, kept_pairs(_first_texts(pairs(report), config, report), config, report,
                                tokenizers, limit=config.level != "subword"),
        config, vocabularies)
    if not len(train_split) or not len(validation_split):
        raise DataError(f"streaming leaves {len(train_split)} training and "
                        f"{len(validation_split)} validation pairs; both need at least one: "
                        f"{report.summary()}")
    data = PreparedData(train_split, validation_split, *vocabularies, tuple(tokenizers), models)
    data.cache = folder  # the cache lives as long as the data
    return data, report


def _first_texts(pairs, config, report):
    """Non-empty pairs, the first num_samples of them at subword level (char/word levels
    count num_samples after the length limits, in kept_pairs)."""
    count = 0
    for source_text, target_text in pairs:
        if config.level == "subword":
            if not source_text.strip() or not target_text.strip():
                report.add_filtered("pairs with no tokens")
                continue
            count += 1
            if config.num_samples and count > config.num_samples:
                return
        yield source_text, target_text


def _count_vocabularies(pairs, config, tokenizers):
    """Pass 1 (char/word): count the training pairs' tokens -> (source, target) Vocabulary."""
    from train.dataset import kept_pairs  # dataset dispatches here

    counts = (collections.Counter(), collections.Counter())
    held_out = HoldOut(config.seed, config.val_fraction)
    report = LoadReport("")
    for index, (_, _, source, target) in enumerate(
            kept_pairs(pairs(report), config, report, tokenizers)):
        if not held_out(index):
            counts[0].update(source)
            counts[1].update(target)
    return tuple(Vocabulary.from_counts(c, config.min_frequency, config.max_vocab_size or None)
                 for c in counts)


def _subword_tokenizers(pairs, config, tokenizers):
    """Pass 1 (subword): -> (tokenizers, .model bytes); the run's own when resuming."""
    if tokenizers is not None:
        return tokenizers, ()
    report = LoadReport("")
    held_out = HoldOut(config.seed, config.val_fraction)
    sample, rng = [], np.random.default_rng([config.seed, 11])
    training = 0
    for index, pair in enumerate(_first_texts(pairs(report), config, report)):
        if held_out(index):
            continue
        training += 1
        if len(sample) < SUBWORD_SAMPLE:
            sample.append(pair)
        else:  # reservoir sampling: every training pair equally likely to be kept
            slot = rng.integers(training)
            if slot < SUBWORD_SAMPLE:
                sample[slot] = pair
    if not sample:
        raise DataError(f"no training pairs to build the subword models from: "
                        f"{report.summary()}")
    models = subword.train_models(sample, config)
    return tuple(subword_tokenizer(model, config.lowercase, f"the {side} subword model")
                 for model, side in zip(models, ("source", "target"))), models


def _write_cache(folder, items, config, vocabularies):
    """Pass 2: encode every kept pair into its split's cache. -> (train, validation)."""
    source_vocab, target_vocab = vocabularies
    held_out = HoldOut(config.seed, config.val_fraction)
    writers = (CacheWriter(folder, "train"), CacheWriter(folder, "validation", keep_texts=True))
    for index, (source_text, target_text, source, target) in enumerate(items):
        writers[bool(held_out(index))].add(
            source_vocab.encode(source), [START_ID, *target_vocab.encode(target), END_ID],
            (source_text, target_text))
    return tuple(writer.close() for writer in writers)


class HoldOut:
    """held_out(index) -> whether pair `index` is a validation pair: a seeded draw per
    position, made in blocks (the same answer in every pass and on every worker)."""

    def __init__(self, seed, fraction):
        self.seed, self.fraction = seed, fraction
        self.block, self.values = None, None

    def __call__(self, index):
        block, offset = divmod(index, _HOLDOUT_BLOCK)
        if block != self.block:
            draws = np.random.default_rng([self.seed, 7, block]).random(_HOLDOUT_BLOCK)
            self.block, self.values = block, draws < self.fraction
        return self.values[offset]
