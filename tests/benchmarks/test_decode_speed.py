"""The decode benchmark's methods on a tiny export: they must agree, and the agreement check
must catch a method that does not."""

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import decode_speed  # noqa: E402


@pytest.mark.parametrize("kind", ["word", "word-luong"])
def test_all_methods_give_identical_outputs(runs, exports, kind):
    texts, sources, max_length, run = decode_speed.validation_sentences(runs[kind], 12)
    rows, outputs = decode_speed.run_methods(run, exports[kind][0], texts, sources,
                                             max_length, predict_count=12)
    assert decode_speed.check_identical(outputs) == []
    assert {row["method"] for row in rows} >= {"keras predict per step (keras-io)",
                                               "runtime, batch 1", "runtime, batch 64"}
    assert all(row["p50_ms"] <= row["p99_ms"] and row["sentences_per_s"] > 0 for row in rows)


def test_a_disagreeing_method_is_reported():
    outputs = {"keras models called directly": [("a",), ("b",)], "runtime, batch 1": [("a",), ("c",)]}
    assert decode_speed.check_identical(outputs) == [
        "runtime, batch 1: sentence 1 gives ('c',), keras models called directly gives ('b',)"]
