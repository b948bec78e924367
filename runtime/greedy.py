"""Greedy decoding over any encoder/step pair (Keras models or onnxruntime sessions), so
every backend runs the same loop and differs only in the two functions it is given."""

import collections

import numpy as np

from runtime.vocabulary import END_ID, START_ID

# encode(tokens) -> (state_h, state_c); step(token, h, c) -> (next_token, h, c);
# outputs(token, h, c) -> every decoder output in the manifest's order (for parity checks).
Backend = collections.namedtuple("Backend", "encode step outputs")


def greedy_decode(encode, step, encoder_tokens, max_length, compact=True):
    """encode(encoder_tokens (batch, source_len) int32) -> (state_h, state_c);
    step(previous_token (rows,) int32, state_h, state_c) -> (next_token (rows,), state_h,
    state_c).

    Returns one id list per input row, without <start>/<end>, at most max_length ids. A row
    that has produced <end> stops contributing: with `compact` its state leaves the batch
    (later steps run on unfinished rows only, which needs states indexable like numpy
    arrays); without, it runs on and its tokens are ignored. Rows never affect each other."""
    if len(encoder_tokens) == 0:
        return []  # onnxruntime's LSTM aborts the whole process on a batch of size 0
    state_h, state_c = encode(encoder_tokens)
    outputs = [[] for _ in range(len(encoder_tokens))]
    rows = np.arange(len(encoder_tokens))  # the output row of each batch position
    done = np.zeros(len(rows), dtype=bool)
    token = np.full(len(rows), START_ID, dtype=np.int32)
    for _ in range(max_length):
        next_token, state_h, state_c = step(token, state_h, state_c)
        next_token = np.asarray(next_token).astype(np.int32)
        ended = next_token == END_ID
        live = ~ended & ~done
        for row, token_id in zip(rows[live], next_token[live]):
            outputs[row].append(int(token_id))
        done |= ended
        if done.all():
            break
        if compact and done.any():
            keep = ~done
            rows, next_token, done = rows[keep], next_token[keep], done[keep]
            state_h, state_c = state_h[keep], state_c[keep]
        token = next_token
    return outputs
