"""Benchmarks write to --out DIR, by default a scratch folder: never, unasked, into the
benchmarks/results/ files the READMEs quote."""

import re

import pytest

from tests.conftest import ROOT

WRITERS = sorted(p for p in (ROOT / "benchmarks").glob("*.py")
                 if "    add_out_argument(parser)" in p.read_text(encoding="utf-8"))


def test_every_script_that_writes_results_takes_out():
    names = {p.name for p in WRITERS}
    assert names >= {"attention_quality.py", "beam_quality.py", "decode_profile.py",
                     "decode_speed.py", "default_decode.py", "engine_throughput.py",
                     "quality.py", "seed_decode.py", "serve_hostile.py", "serve_load.py",
                     "soak.py", "stream_memory.py", "train_speed_memory.py"}


@pytest.mark.parametrize("script", WRITERS, ids=lambda p: p.name)
def test_no_script_names_the_published_folder_itself(script):
    text = script.read_text(encoding="utf-8")
    code = text.split('"""', 2)[-1]  # after the docstring
    assert not re.search(r'(HERE|__file__)[^\n]*"results"|"benchmarks/results', code), script


def test_the_default_is_a_scratch_folder_and_make_asks_for_results():
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import results_folder

    assert results_folder.SCRATCH != results_folder.PUBLISHED
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for line in makefile.splitlines():
        if "benchmarks/" in line and ".py" in line and "seed_scripts" not in line:
            assert "--out $(RESULTS)" in line, line
