"""tf.data pipelines over the numpy batches of `train.batching`.

Training data is one endless stream of epochs starting at `first_epoch`; `model.fit` takes
`steps_per_epoch` batches from it per epoch, so epoch k always sees epoch k's batches,
resumed or not. Batches have variable shapes: (batch, None).
"""

import itertools

import tensorflow as tf

from train.batching import epoch_batches, pad_batch, validation_batches
from train.model import DECODER_TOKENS, ENCODER_TOKENS

_SIGNATURE = (
    {ENCODER_TOKENS: tf.TensorSpec((None, None), tf.int32),
     DECODER_TOKENS: tf.TensorSpec((None, None), tf.int32)},
    tf.TensorSpec((None, None), tf.int32),
)


def training_dataset(split, batch_size, seed, first_epoch):
    def generate():
        for epoch in itertools.count(first_epoch):
            for indices in epoch_batches(split, batch_size, seed, epoch):
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
