"""Loss and accuracy over real target tokens only: padding (PAD_ID labels) is ignored.

Registered with Keras so a saved `.keras` model (optimizer state included) reloads for
resuming without extra arguments.
"""

import keras
from keras import ops

from runtime.vocabulary import PAD_ID


@keras.saving.register_keras_serializable(package="seq2seq")
def masked_sparse_crossentropy(labels, probabilities):
    """Mean cross-entropy over the non-pad positions of the batch.
    labels (batch, steps) int; probabilities (batch, steps, vocab)."""
    real = ops.cast(ops.not_equal(labels, PAD_ID), "float32")
    losses = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
    return ops.sum(losses * real) / ops.maximum(ops.sum(real), 1.0)


@keras.saving.register_keras_serializable(package="seq2seq")
def masked_accuracy(labels, probabilities):
    """Share of non-pad positions whose most probable token is the label."""
    real = ops.cast(ops.not_equal(labels, PAD_ID), "float32")
    predicted = ops.cast(ops.argmax(probabilities, axis=-1), labels.dtype)
    correct = ops.cast(ops.equal(predicted, labels), "float32")
    return ops.sum(correct * real) / ops.maximum(ops.sum(real), 1.0)
