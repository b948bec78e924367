"""export.shortlist's statistics, on hand-made pairs (no TensorFlow)."""

import numpy as np

from export.shortlist import build_shortlist


def test_candidates_are_the_most_co_occurring_targets_beyond_the_frequent_ones():
    # target 10 is in every pair (frequent); source 4 goes with 11 twice and with 12 once
    sources = [[4], [4, 5], [4], [5]]
    targets = [([10, 11],), ([10, 11, 13],), ([10, 12],), ([10, 13], [14])]
    values = build_shortlist(sources, targets, 6, 20, frequent=1, per_source_token=2)
    assert values["format"] == 1 and values["frequent"] == [10]
    assert values["candidates"][4] == [11, 12]  # 11 (2 pairs) before 12 (1); cut at 2
    assert values["candidates"][5] == [13, 11]  # 13 twice, then 11 and 14 once: lower id
    assert values["candidates"][0] == [] and len(values["candidates"]) == 6


def test_reserved_ids_are_never_listed_and_counts_are_per_pair():
    sources = [[4, 4, 4]]
    targets = [(np.array([1, 12, 12, 2]),)]
    values = build_shortlist(sources, targets, 6, 20, frequent=5, per_source_token=5)
    assert values["frequent"] == [12] and values["candidates"][4] == []
