"""The comparison at the heart of proof 2 must not let NaN, broadcasting, growing states or
a different token id hide or invent a difference."""

import numpy as np

from export import parity
from export.parity import _compare


def compare(expected, actual, name="state_h"):
    worst, excess = {name: 0.0}, {name: -np.inf}
    _compare(worst, excess, [expected], [actual])
    return worst[name], excess[name]


def test_nan_counts_as_an_infinite_difference():
    assert compare(np.zeros((2, 3)), np.array([[0, np.nan, 0], [0, 0, 0]])) == (np.inf, np.inf)


def test_shapes_must_match_exactly():
    assert compare(np.zeros((1, 5)), np.zeros((1, 1, 5)))[1] == np.inf  # would broadcast to 0


def test_the_largest_difference_is_kept():
    worst, excess = {"a": 0.5}, {"a": -np.inf}
    _compare(worst, excess, [np.zeros(3)], [np.array([0.0, 0.25, 0.0])])
    assert worst["a"] == 0.5
    _compare(worst, excess, [np.zeros(3)], [np.array([0.0, 0.75, 0.0])])
    assert worst["a"] == 0.75 and excess["a"] == 0.75


def test_large_values_get_a_relative_tolerance_small_ones_do_not():
    # c = 40 off by 3e-5: within 1e-5 + 1e-4 x 40; c = 0.1 off by 3e-5: over 1e-5 + 1e-5
    _, excess = compare(np.array([40.0], np.float32), np.array([40.0 + 3e-5]))
    assert excess <= parity.TOLERANCE
    _, excess = compare(np.array([0.1]), np.array([0.1 + 3e-5]))
    assert excess > parity.TOLERANCE


def test_token_ids_must_be_equal_however_large():
    ids = np.array([12000, 7], np.int32)
    assert compare(ids, np.array([12000, 7], np.int32), "next_token") == (0.0, 0.0)
    assert compare(ids, np.array([12001, 7], np.int32), "next_token")[1] == np.inf


class _TopK:
    """A top-k graph stand-in that returns the given ids and their log-probabilities."""

    def __init__(self, ids, probabilities):
        self.ids, self.probabilities = np.array([ids], np.int32), probabilities

    def top(self, token, state, k):
        log_p = np.log(np.take_along_axis(self.probabilities, self.ids.astype(np.int64), 1))
        return self.ids, log_p.astype(np.float32), state, None


def check_top_k(ids, probabilities):
    names = ("top_ids", "top_log_probabilities", "state_h_out", "state_c_out")
    worst, excess = dict.fromkeys(names, 0.0), dict.fromkeys(names, -np.inf)
    state = (np.zeros((1, 2), np.float32), np.zeros((1, 2), np.float32))
    full = (probabilities, *state)
    parity._check_top_k(worst, excess, _TopK(ids, probabilities), None, state, full)
    return excess["top_ids"] <= 0  # within tolerance


def test_top_k_ids_must_be_the_likeliest_but_exact_ties_may_come_in_either_order():
    probabilities = np.array([[0.1, 0.3, 0.3, 0.05, 0.2, 0.05]], np.float32)
    assert check_top_k([1, 2, 4, 0, 3], probabilities)
    assert check_top_k([2, 1, 4, 0, 5], probabilities)  # 1 and 2 tie, as do 3 and 5
    assert not check_top_k([1, 2, 0, 4, 3], probabilities)  # 0 before the likelier 4
    assert not check_top_k([1, 2, 4, 0, 0], probabilities)  # a repeat is not the 5th likeliest
