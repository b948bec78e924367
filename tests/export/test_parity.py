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
