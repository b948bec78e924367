"""Greedy decoding over any encoder/step pair (Keras models or onnxruntime sessions), so
every backend runs the same loop and differs only in the two functions it is given."""

import numpy as np

from runtime.vocabulary import END_ID, START_ID


def greedy_decode(encode, step, encoder_tokens, max_length):
    """encode(encoder_tokens (batch, source_len) int32) -> (state_h, state_c);
    step(previous_token (batch,) int32, state_h, state_c) -> (probabilities (batch, vocab),
    state_h, state_c). Returns one id list per row, without <start>/<end>, at most
    max_length ids; rows that have produced <end> are finished."""
    state_h, state_c = encode(encoder_tokens)
    batch = len(encoder_tokens)
    token = np.full(batch, START_ID, dtype=np.int32)
    outputs = [[] for _ in range(batch)]
    finished = np.zeros(batch, dtype=bool)
    for _ in range(max_length):
        probabilities, state_h, state_c = step(token, state_h, state_c)
        token = probabilities.argmax(axis=-1).astype(np.int32)  # (batch,)
        for row in np.flatnonzero(~finished):
            if token[row] == END_ID:
                finished[row] = True
            else:
                outputs[row].append(int(token[row]))
        if finished.all():
            break
    return outputs
