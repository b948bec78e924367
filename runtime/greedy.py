"""Greedy decoding over any encoder/step pair (Keras models or onnxruntime sessions), so
every backend runs the same loop and differs only in the functions it is given."""

import collections

import numpy as np

from runtime.vocabulary import END_ID, START_ID

# A decoder state is a tuple of arrays whose first axis is the batch row: (state_h, state_c),
# with attention also (encoder_outputs, source_lengths), which every step reads again, and
# with a shortlist also (candidate_mask, the batch's Candidates) (runtime.backends).
# encode(tokens (batch, source_len) int32) -> state
# step(previous_token (rows,) int32, state, attention) -> (next_token (rows,), state,
#     attention weights (rows, source_len) when `attention` is True, else None)
# outputs(previous_token, state) -> every decoder output in the manifest's order (parity
#     checks and sampling)
# top(previous_token, state, k, attention) -> (ids (rows, k), log-probabilities (rows, k)
#     float64, best first, state, attention weights or None); None: runtime.beam computes
#     them from `outputs` on the host
Backend = collections.namedtuple("Backend", "encode step outputs top", defaults=(None,))


def greedy_decode(backend, encoder_tokens, max_length, compact=True, attention=False):
    """Returns one id list per input row, without <start>/<end>, at most max_length ids; with
    attention=True also, per row, the weights of each emitted token ((ids, source_len) array).

    A row that has produced <end> stops contributing: with `compact` its state leaves the
    batch (later steps run on unfinished rows only, which needs states indexable like numpy
    arrays); without, it runs on and its tokens are ignored. Rows never affect each other.
    The ids are written into one preallocated array, so a step costs the same few numpy
    calls at any batch size."""
    count = len(encoder_tokens)
    if count == 0:  # onnxruntime's LSTM aborts the whole process on batch 0
        return ([], []) if attention else []
    state = backend.encode(encoder_tokens)
    ids = np.zeros((count, max_length), np.int32)  # (rows, steps): every emitted id
    lengths = np.full(count, max_length)  # each row's output length; max_length: no <end>
    weights = np.zeros((count, max_length, encoder_tokens.shape[1]), np.float32) if attention else None
    rows = np.arange(count)  # the output row of each batch position
    running = np.ones(count, dtype=bool)  # without compaction: rows that have not ended
    token = np.full(count, START_ID, dtype=np.int32)
    for position in range(max_length):
        next_token, state, step_weights = backend.step(token, state, attention)
        next_token = np.asarray(next_token, dtype=np.int32)
        ids[rows, position] = next_token
        if attention:
            weights[rows, position] = step_weights
        ended = next_token == END_ID
        if ended.any():
            if compact:
                lengths[rows[ended]] = position
                keep = ~ended
                if not keep.any():
                    break
                rows, next_token = rows[keep], next_token[keep]
                state = tuple(part[keep] for part in state)
            else:
                lengths[ended & running] = position
                running &= ~ended
                if not running.any():
                    break
        token = next_token
    outputs = [ids[row, :length].tolist() for row, length in enumerate(lengths)]
    if not attention:
        return outputs
    return outputs, [weights[row, :length] for row, length in enumerate(lengths)]
