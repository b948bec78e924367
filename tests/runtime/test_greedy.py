"""The greedy loop with a fake backend: no TensorFlow, no onnxruntime."""

import numpy as np

from runtime.greedy import Backend, greedy_decode
from runtime.vocabulary import END_ID, START_ID


def counting_backend(lengths, calls):
    """Row i emits ids 10, 11, ... and then <end> after lengths[i] tokens. The 'state' carries
    the row index and the step count, so compaction mistakes would show."""
    def encode(tokens):
        return np.arange(len(tokens), dtype=float)[:, None], np.zeros((len(tokens), 1))

    def step(token, state, attention):
        calls.append(len(token))
        state_h, state_c = state
        rows, steps = state_h[:, 0].astype(int), state_c[:, 0].astype(int)
        assert (token[steps == 0] == START_ID).all()
        out = np.where(steps < np.array(lengths)[rows], 10 + steps, END_ID)
        weights = np.stack([rows, steps], axis=1).astype(float)  # (rows, source_len 2)
        return out, (state_h, state_c + 1), weights if attention else None

    return Backend(encode, step, None)


def test_rows_end_independently_and_leave_the_batch():
    calls = []
    outputs = greedy_decode(counting_backend([2, 0, 4], calls), np.zeros((3, 1)), max_length=10)
    assert outputs == [[10, 11], [], [10, 11, 12, 13]]
    assert calls == [3, 2, 2, 1, 1]  # finished rows stop being computed


def test_without_compaction_rows_run_on_but_results_are_the_same():
    calls = []
    outputs = greedy_decode(counting_backend([2, 0, 4], calls), np.zeros((3, 1)), 10, compact=False)
    assert outputs == [[10, 11], [], [10, 11, 12, 13]] and set(calls) == {3}


def test_output_never_exceeds_max_length_when_end_never_comes():
    outputs = greedy_decode(counting_backend([100, 100], []), np.zeros((2, 1)), max_length=3)
    assert outputs == [[10, 11, 12], [10, 11, 12]]


def test_attention_weights_follow_their_row_through_compaction():
    outputs, weights = greedy_decode(counting_backend([2, 0, 4], []), np.zeros((3, 2)), 10,
                                     attention=True)
    assert [w.shape for w in weights] == [(2, 2), (0, 2), (4, 2)]
    for row, row_weights in enumerate(weights):  # (row index, step) of each emitted token
        assert row_weights.tolist() == [[row, step] for step in range(len(outputs[row]))]


def test_an_empty_batch_runs_nothing():
    def fail(*args):
        raise AssertionError("the backend must not be called on an empty batch")
    assert greedy_decode(Backend(fail, fail, None), np.zeros((0, 1), np.int32), 5) == []
