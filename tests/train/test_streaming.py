"""`--stream` preparation (train.streaming): the same pairs, tokens and batches as memory
would give, from passes over the file into a token cache."""

import numpy as np
import pytest

from runtime.vocabulary import END_ID, START_ID, Vocabulary
from tests.conftest import word_pairs
from tests.train.synthetic import write_pairs
from train.batching import epoch_batches, pad_batch
from train.config import make_config
from train.dataset import Split, load_and_prepare
from train.errors import ConfigError
from train.streaming import HoldOut


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    return write_pairs(tmp_path_factory.mktemp("stream") / "pairs.txt", word_pairs(2000))


def streamed(path, **options):
    config = make_config("word", data=str(path), stream=True, val_fraction=0.1, **options)
    return load_and_prepare(str(path), config)[0], config


def test_every_kept_pair_lands_in_exactly_one_split(pairs_file):
    data, config = streamed(pairs_file, max_input_length=5)
    kept = [pair for pair in word_pairs(2000) if len(pair[0].split()) <= 5]
    assert len(data.train) + len(data.validation) == len(kept)
    assert 0.07 < len(data.validation) / len(kept) < 0.13
    held_out = HoldOut(config.seed, config.val_fraction)
    expected_validation = [pair for i, pair in enumerate(kept) if held_out(i)]
    assert list(data.validation.texts) == expected_validation


def test_ids_are_the_vocabularies_encoding_of_the_training_split(pairs_file):
    data, config = streamed(pairs_file)
    held_out = HoldOut(config.seed, config.val_fraction)
    training = [pair for i, pair in enumerate(word_pairs(2000)) if not held_out(i)]
    assert data.source_vocab == Vocabulary.build(s.split() for s, _ in training)
    assert data.target_vocab == Vocabulary.build(t.split() for _, t in training)
    for i, (source, target) in enumerate(training[:50]):
        assert data.train.sources[i].tolist() == data.source_vocab.encode(source.split())
        assert data.train.targets[i].tolist() == [START_ID,
                                                  *data.target_vocab.encode(target.split()),
                                                  END_ID]


def test_batches_are_those_the_same_pairs_give_in_memory(pairs_file):
    data, config = streamed(pairs_file)
    in_memory = Split([], list(data.train.sources), list(data.train.targets))
    for epoch in (0, 3):
        ours = epoch_batches(data.train, 32, config.seed, epoch)
        theirs = epoch_batches(in_memory, 32, config.seed, epoch)
        assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    for a, b in zip(pad_batch(data.train, ours[0]), pad_batch(in_memory, ours[0])):
        np.testing.assert_array_equal(a, b)


def test_the_same_seed_gives_the_same_data_and_num_samples_is_kept(pairs_file):
    first, _ = streamed(pairs_file, num_samples=500)
    second, _ = streamed(pairs_file, num_samples=500)
    assert len(first.train) + len(first.validation) == 500
    assert [s.tolist() for s in first.train.sources] == [s.tolist() for s in second.train.sources]
    other, _ = streamed(pairs_file, num_samples=500, seed=6)
    assert list(other.validation.texts) != list(first.validation.texts)


def test_subword_level_streams_and_resumes_with_the_runs_models(pairs_file):
    data, config = streamed(pairs_file, level="subword", subword_vocab_size=280)
    assert len(data.source_vocab) == 280 and len(data.subword_models) == 2
    again, _ = load_and_prepare(str(pairs_file), config,
                                (data.source_vocab, data.target_vocab), data.tokenizers)
    assert [s.tolist() for s in again.train.sources[:20]] == \
        [s.tolist() for s in data.train.sources[:20]]
    assert data.stats()["max_source_length"] == max(
        int(split.source_lengths.max()) for split in (data.train, data.validation))


def test_the_cache_is_removed_with_the_data(pairs_file):
    import os

    data, _ = streamed(pairs_file)
    folder = data.cache.name
    assert os.path.isdir(folder)
    data.cache.cleanup()
    assert not os.path.exists(folder)


def test_cornell_and_a_tail_split_are_refused(pairs_file, tmp_path):
    cornell = tmp_path / "movie_lines.txt"
    cornell.write_text("L1 +++$+++ u0 +++$+++ m0 +++$+++ A +++$+++ Hi\n", encoding="latin-1")
    with pytest.raises(ConfigError, match="Cornell corpus"):
        streamed(cornell)
    with pytest.raises(ConfigError, match="--val-split last"):
        make_config("word", stream=True, val_split="last")
