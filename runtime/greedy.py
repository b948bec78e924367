"""Greedy decoding over any encoder/step pair (Keras models or onnxruntime sessions), so
every backend runs the same loop and differs only in the functions it is given."""

import collections

import numpy as np

from runtime.vocabulary import END_ID, START_ID

# A decoder state is a tuple of arrays whose first axis is the batch row: (state_h, state_c),
# and with attention also (encoder_outputs, source_lengths), which every step reads again.
# encode(tokens (batch, source_len) int32) -> state
# step(previous_token (rows,) int32, state, attention) -> (next_token (rows,), state,
#     attention weights (rows, source_len) when `attention` is True, else None)
# outputs(previous_token, state) -> every decoder output in the manifest's order (parity checks)
Backend = collections.namedtuple("Backend", "encode step outputs")


def greedy_decode(backend, encoder_tokens, max_length, compact=True, attention=False):
    """Returns one id list per input row, without <start>/<end>, at most max_length ids; with
    attention=True also, per row, the weights of each emitted token ((ids, source_len) array).

    A row that has produced <end> stops contributing: with `compact` its state leaves the
    batch (later steps run on unfinished rows only, which needs states indexable like numpy
    arrays); without, it runs on and its tokens are ignored. Rows never affect each other."""
    if len(encoder_tokens) == 0:  # onnxruntime's LSTM aborts the whole process on batch 0
        return ([], []) if attention else []
    state = backend.encode(encoder_tokens)
    outputs = [[] for _ in range(len(encoder_tokens))]
    weights = [[] for _ in range(len(encoder_tokens))]
    rows = np.arange(len(encoder_tokens))  # the output row of each batch position
    done = np.zeros(len(rows), dtype=bool)
    token = np.full(len(rows), START_ID, dtype=np.int32)
    for _ in range(max_length):
        next_token, state, step_weights = backend.step(token, state, attention)
        next_token = np.asarray(next_token).astype(np.int32)
        ended = next_token == END_ID
        live = ~ended & ~done
        for position in np.flatnonzero(live):
            outputs[rows[position]].append(int(next_token[position]))
            if attention:
                weights[rows[position]].append(np.asarray(step_weights[position]))
        done |= ended
        if done.all():
            break
        if compact and done.any():
            keep = ~done
            rows, next_token, done = rows[keep], next_token[keep], done[keep]
            state = tuple(part[keep] for part in state)
        token = next_token
    if not attention:
        return outputs
    width = encoder_tokens.shape[1]
    return outputs, [np.array(w, dtype=np.float32).reshape(len(w), width) for w in weights]
