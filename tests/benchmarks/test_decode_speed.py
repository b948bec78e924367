"""The decode benchmark on a tiny run: every method measured at the batch sizes it runs,
exact methods identical to Keras, lossy ones scored, and its goals and report computed."""

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import decode_report  # noqa: E402
import decode_speed  # noqa: E402


@pytest.fixture(scope="module")
def measured(runs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("decode_speed")
    return decode_speed.benchmark_model(runs["word"], 20, 4, str(folder), log=lambda line: None)


def test_every_method_is_measured_and_the_exact_ones_agree(measured):
    assert measured["problems"] == []
    by = {(r["method"], r["batch"]): r for r in measured["rows"]}
    assert ("keras predict per step (keras-io)", 1) in by
    for method in ("keras tf.function", "tflite fp32", "tflite int8 (dynamic range)",
                   "runtime full step graph (fp32, as format 3)", "runtime lean fp32",
                   "runtime int8", "runtime shortlist", "runtime int8 + shortlist"):
        for batch in (1, 64):
            row = by[(method, batch)]
            assert row["p50_ms"] <= row["p99_ms"] and row["sentences_per_s"] > 0
            assert 0 <= row["chrf"] <= 100
    assert by[("runtime lean fp32", 1)]["identical_to_keras"] == 20
    assert {s["method"] for s in measured["steps"]} >= {"runtime int8", "tflite fp32"}
    assert all(s["batch_1_us"] > 0 and s["batch_64_us"] > 0 for s in measured["steps"])
    assert measured["gates"]["runtime int8"]["int8"]["passed"]


def test_goals_and_report(measured, tmp_path):
    report = {"models": {"word": measured}, "command": "test",
              "cold_start": {"runtime": {"seconds": 0.1, "peak_rss_mib": 90}}}
    report["goals"] = decode_report.goals(report)
    assert report["goals"]["sentences/s at batch 64"]["measured"] > 0
    decode_report.write(report, tmp_path)
    text = (tmp_path / "decode_speed.md").read_text()
    assert "| runtime int8 | 64 |" in text and "| goal | target | measured |" in text
    assert (tmp_path / "decode_speed.png").stat().st_size > 0
    assert "outputs" not in (tmp_path / "decode_speed.json").read_text()
