"""Every benchmark's --help starts with its docstring's whole first paragraph, a complete
sentence (not its first line, cut mid-sentence)."""

import ast

import pytest

from tests.conftest import ROOT

SCRIPTS = sorted(p for p in (ROOT / "benchmarks").glob("*.py")
                 if "ArgumentParser(description=__doc__" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_help_description_is_the_first_paragraph(script):
    text = script.read_text(encoding="utf-8")
    assert 'ArgumentParser(description=__doc__.split("\\n\\n")[0])' in text
    first = " ".join(ast.get_docstring(ast.parse(text), clean=False).split("\n\n")[0].split())
    assert first.endswith((".", "?", ")")), first
