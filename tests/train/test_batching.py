import numpy as np

from runtime import PAD_ID, START_ID
from train.batching import epoch_batches, pad_batch, steps_per_epoch, validation_batches
from train.dataset import Split


def make_split(count, seed=0):
    rng = np.random.default_rng(seed)
    sources = [rng.integers(4, 20, rng.integers(1, 30)).astype(np.int32) for _ in range(count)]
    targets = [np.concatenate([[1], rng.integers(4, 20, rng.integers(1, 40)), [2]]).astype(np.int32)
               for _ in range(count)]
    return Split([("", "")] * count, sources, targets)


def test_every_pair_once_per_epoch_and_count_matches_steps():
    split = make_split(7000)
    for batch_size in (1, 64, 100):
        batches = epoch_batches(split, batch_size, seed=3, epoch=0)
        assert len(batches) == steps_per_epoch(len(split), batch_size)
        assert sorted(np.concatenate(batches).tolist()) == list(range(len(split)))


def test_order_depends_only_on_seed_and_epoch():
    split = make_split(500)
    same = [b.tolist() for b in epoch_batches(split, 32, seed=3, epoch=2)]
    assert same == [b.tolist() for b in epoch_batches(split, 32, seed=3, epoch=2)]
    assert same != [b.tolist() for b in epoch_batches(split, 32, seed=3, epoch=3)]


def test_buckets_pad_far_less_than_global_padding():
    split = make_split(6400)
    batches = epoch_batches(split, 64, seed=0, epoch=0)
    padded = sum(pad_batch(split, b)[1].size for b in batches)
    real = sum(len(t) - 1 for t in split.targets)
    global_padding = len(split) * max(len(t) - 1 for t in split.targets)
    assert padded < 1.1 * real < global_padding / 1.5


def test_pad_batch_is_teacher_forcing():
    split = Split([("", "")] * 2, [np.array([5, 6], np.int32), np.array([7], np.int32)],
                  [np.array([1, 8, 9, 2], np.int32), np.array([1, 10, 2], np.int32)])
    encoder_tokens, decoder_tokens, labels = pad_batch(split, np.array([0, 1]))
    assert encoder_tokens.tolist() == [[5, 6], [7, PAD_ID]]
    assert decoder_tokens.tolist() == [[START_ID, 8, 9], [START_ID, 10, PAD_ID]]
    assert labels.tolist() == [[8, 9, 2], [10, 2, PAD_ID]]


def test_validation_batches_are_fixed():
    split = make_split(300)
    a = [b.tolist() for b in validation_batches(split, 64)]
    assert a == [b.tolist() for b in validation_batches(split, 64)]
    assert sorted(sum(a, [])) == list(range(300))
