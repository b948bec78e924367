"""The decoding methods the decode benchmark compares, each as one function:
decode(sources: [int32 id arrays]) -> [[output ids]], timed per call by the caller.

1. keras_predict: the seeds' decode_sequence, `model.predict` once per step, batch 1.
2. keras_direct / keras_function: the same Keras models called directly, and through
   `tf.function`, batch 1.
The runtime itself (batch 1 and batched) is timed through its Translator API.
"""

import numpy as np

from runtime.greedy import Backend, greedy_decode
from runtime.vocabulary import END_ID, START_ID, source_lengths


def keras_predict(encoder, decoder_step, max_length):
    """keras-io's decode_sequence: one `predict` call for the encoder, one per step. With
    attention the state also carries the encoder outputs and the input's length."""
    def decode(source):
        state = list(encoder.predict(source[None, :], verbose=0))
        if len(state) == 3:  # attention: state_h, state_c, encoder_outputs
            state.append(source_lengths(source[None, :]))
        token, output = np.array([[START_ID]], dtype=np.int32), []
        for _ in range(max_length):
            probabilities, *new_state = decoder_step.predict([token, *state], verbose=0)
            state[:2] = new_state[:2]
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
        return greedy_decode(backend, source[None, :], max_length)[0]
    return decode


def keras_function(encoder, decoder_step, max_length):
    """The same, with each model call compiled by tf.function."""
    import tensorflow as tf

    encode = tf.function(lambda tokens: encoder(tokens, training=False), reduce_retracing=True)
    step = tf.function(lambda token, *state: decoder_step([token, *state], training=False),
                       reduce_retracing=True)

    def encode_numpy(tokens):
        state = tuple(np.asarray(x) for x in encode(tokens))
        return state + (source_lengths(tokens),) if len(state) == 3 else state  # attention

    def step_numpy(token, state, weights=False):
        probabilities, state_h, state_c, *_ = (np.asarray(x) for x in step(token[:, None], *state))
        return (probabilities.argmax(axis=-1).astype(np.int32), (state_h, state_c, *state[2:]),
                None)

    backend = Backend(encode_numpy, step_numpy, None)

    def decode(source):
        return greedy_decode(backend, source[None, :], max_length)[0]
    return decode
