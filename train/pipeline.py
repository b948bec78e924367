"""tf.data pipelines over the numpy batches of `train.batching`.

Training data is one endless stream of epochs starting at `first_epoch`; `model.fit` takes
`steps_per_epoch` batches from it per epoch, so epoch k always sees epoch k's batches,
resumed or not. Batches have variable shapes: (batch, None).
"""

import itertools

import numpy as np
import tensorflow as tf

from runtime.vocabulary import PAD_ID, START_ID

from train.batching import epoch_batches, pad_batch, validation_batches
from train.model import DECODER_TOKENS, ENCODER_TOKENS

_SIGNATURE = (
    {ENCODER_TOKENS: tf.TensorSpec((None, None), tf.int32),
     DECODER_TOKENS: tf.TensorSpec((None, None), tf.int32)},
    tf.TensorSpec((None, None), tf.int32),
)


def endless_training_batches(split, batch_size, seed, first_epoch):
    """Index arrays of epoch first_epoch's batches, then the next epoch's, for ever."""
    for epoch in itertools.count(first_epoch):
        yield from epoch_batches(split, batch_size, seed, epoch)


def training_dataset(split, batch_size, seed, first_epoch):
    def generate():
        for indices in endless_training_batches(split, batch_size, seed, first_epoch):
            yield _as_example(pad_batch(split, indices))

    return tf.data.Dataset.from_generator(generate, output_signature=_SIGNATURE).prefetch(4)


def validation_dataset(split, batch_size):
    batches = validation_batches(split, batch_size)

    def generate():
        for indices in batches:
            yield _as_example(pad_batch(split, indices))

    dataset = tf.data.Dataset.from_generator(generate, output_signature=_SIGNATURE)
    # A known length lets Keras end validation cleanly instead of "running out of data".
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches))).prefetch(4)


def _as_example(padded):
    encoder_tokens, decoder_tokens, labels = padded
    return {ENCODER_TOKENS: encoder_tokens, DECODER_TOKENS: decoder_tokens}, labels


# Under tf.distribute every worker builds the same global batches (they depend only on
# (seed, epoch)) and keeps the slices of its own replicas: each pair is seen once per epoch,
# and a length-sorted batch cut into consecutive slices keeps each replica's padding short.
# Each element also carries the global batch's real target tokens and rows, so a replica's
# loss can be its share of the global batch's mean (what one process computes).

_REPLICA_SIGNATURE = (*_SIGNATURE, tf.TensorSpec((), tf.float32), tf.TensorSpec((), tf.float32))


def replica_dataset(split, batches, replicas, replica_ids):
    """tf.data of this input pipeline's per-replica slices of the global `batches` (an
    iterable of index arrays), one element per (batch, replica in replica_ids)."""
    def generate():
        for indices in batches:
            slices = np.array_split(indices, replicas)
            # labels are the targets less <start>: from the lengths, no pair read twice
            tokens = float(split.target_lengths[indices].sum() - len(indices))
            for replica in replica_ids:
                example = _as_example(pad_batch(split, slices[replica])) if len(slices[replica]) \
                    else _EMPTY_SLICE  # a batch smaller than the replica count
                yield (*example, tokens, float(len(indices)))

    return tf.data.Dataset.from_generator(generate, output_signature=_REPLICA_SIGNATURE) \
        .prefetch(4)


# One row whose labels are all padding: it adds nothing to the loss or the gradients. Its
# inputs are real tokens (not PAD) so no attention softmax runs over a fully masked row.
_EMPTY_SLICE = ({ENCODER_TOKENS: np.full((1, 1), START_ID, np.int32),
                 DECODER_TOKENS: np.full((1, 1), START_ID, np.int32)},
                np.full((1, 1), PAD_ID, np.int32))
