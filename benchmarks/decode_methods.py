"""The decoding methods the decode benchmark compares, each as one function:
decode(sources: [int32 id arrays]) -> [[output ids]], timed per call by the caller.

1. keras_predict: the seeds' decode_sequence, `model.predict` once per step, batch 1.
2. keras_direct / keras_function: the same Keras models called directly, and through
   `tf.function`, batch 1.
3.-4. runtime: the ONNX runtime, at batch 1 and batched.
"""

import numpy as np

from runtime.greedy import greedy_decode
from runtime.vocabulary import END_ID, START_ID, pad_sequences


def keras_predict(encoder, decoder_step, max_length):
    """keras-io's decode_sequence: one `predict` call for the encoder, one per step."""
    def decode(source):
        state_h, state_c = encoder.predict(source[None, :], verbose=0)
        token, output = np.array([[START_ID]], dtype=np.int32), []
        for _ in range(max_length):
            probabilities, state_h, state_c = decoder_step.predict([token, state_h, state_c],
                                                                  verbose=0)
            next_id = int(probabilities[0].argmax())
            if next_id == END_ID:
                break
            output.append(next_id)
            token = np.array([[next_id]], dtype=np.int32)
        return output
    return decode


def keras_direct(backend, max_length):
    """The Keras models called directly (train.decode.keras_backend), batch 1."""
    def decode(source):
        return greedy_decode(backend.encode, backend.step, source[None, :], max_length)[0]
    return decode


def keras_function(encoder, decoder_step, max_length):
    """The same, with each model call compiled by tf.function."""
    import tensorflow as tf

    encode = tf.function(lambda tokens: encoder(tokens, training=False), reduce_retracing=True)
    step = tf.function(lambda token, h, c: decoder_step([token, h, c], training=False),
                       reduce_retracing=True)

    def encode_numpy(tokens):
        return tuple(np.asarray(x) for x in encode(tokens))

    def step_numpy(token, state_h, state_c):
        probabilities, state_h, state_c = (np.asarray(x) for x in step(token[:, None], state_h, state_c))
        return probabilities.argmax(axis=-1).astype(np.int32), state_h, state_c

    def decode(source):
        return greedy_decode(encode_numpy, step_numpy, source[None, :], max_length)[0]
    return decode


def runtime_batched(translator, max_length):
    """The runtime's own loop over a batch of id arrays (tokenization excluded, as for Keras)."""
    backend = translator._backend

    def decode(sources):
        return greedy_decode(backend.encode, backend.step, pad_sequences(sources), max_length)
    return decode
