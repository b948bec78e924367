"""The comparison at the heart of proof 2 must not let NaN or broadcasting hide a difference."""

import numpy as np

from export.parity import _compare


def test_nan_counts_as_an_infinite_difference():
    worst = {"state_h": 0.0}
    _compare(worst, [np.zeros((2, 3))], [np.array([[0, np.nan, 0], [0, 0, 0]])])
    assert worst["state_h"] == float("inf")


def test_shapes_must_match_exactly():
    worst = {"probabilities": 0.0}
    _compare(worst, [np.zeros((1, 5))], [np.zeros((1, 1, 5))])  # would broadcast to 0
    assert worst["probabilities"] == float("inf")


def test_the_largest_difference_is_kept():
    worst = {"a": 0.5}
    _compare(worst, [np.zeros(3)], [np.array([0.0, 0.25, 0.0])])
    assert worst["a"] == 0.5
    _compare(worst, [np.zeros(3)], [np.array([0.0, 0.75, 0.0])])
    assert worst["a"] == 0.75
