import itertools

import numpy as np

from tests.train.test_batching import make_split
from train.batching import epoch_batches, pad_batch, steps_per_epoch
from train.model import DECODER_TOKENS, ENCODER_TOKENS
from train.pipeline import training_dataset, validation_dataset


def test_training_stream_is_epoch_after_epoch_from_the_first_epoch():
    split = make_split(300)
    steps = steps_per_epoch(len(split), 32)
    stream = training_dataset(split, 32, seed=5, first_epoch=3)
    got = [labels.numpy() for _, labels in itertools.islice(stream, 2 * steps)]
    expected = [pad_batch(split, b)[2] for e in (3, 4) for b in epoch_batches(split, 32, 5, e)]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_validation_dataset_has_named_inputs_and_a_known_length():
    split = make_split(100)
    dataset = validation_dataset(split, 32)
    assert int(dataset.cardinality()) == 4
    inputs, labels = next(iter(dataset))
    assert set(inputs) == {ENCODER_TOKENS, DECODER_TOKENS}
    assert inputs[DECODER_TOKENS].shape == labels.shape
