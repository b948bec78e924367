"""A short soak in CI: thousands of translations must not grow resident memory."""

import sys

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import soak  # noqa: E402


def test_short_soak_keeps_memory_flat(exports):
    result = soak.soak(exports["word"][0], translations=6000, warmup=1000, every=1000)
    assert result["translations"] == 6000 and len(result["rss_mib"]) >= 5
    assert result["growth_mib"] < 5, result["rss_mib"]
