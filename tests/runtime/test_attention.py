"""Attention exports in the runtime: the manifest picks the loop, callers get the weights,
batching changes nothing, and the CLI draws a heat map."""

import subprocess
import sys

import numpy as np
import pytest

from runtime import Translator
from runtime.heatmap import save_heatmap
from tests.conftest import ATTENTION_KINDS, KINDS, ROOT

TEXTS = {"word": ["the cat .", "a big red dog sees the small blue cat .", "dog .", "",
                  "the zebra likes a cat ."],
         "char": ["abc", "hello world", "x", "", "a much longer input line"]}
TEXTS["subword"] = TEXTS["word"]  # the subword kind trains on the word pairs


@pytest.fixture(scope="module")
def translators(exports):
    return {kind: Translator.load(exports[kind][0]) for kind in ATTENTION_KINDS}


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_weights_cover_each_output_token_and_sum_to_one(translators, kind):
    results = translators[kind].translate_detailed(TEXTS[KINDS[kind][0]], attention=True)
    for result in results:
        assert result.attention.shape == (len(result.tokens), len(result.source_tokens))
        assert (result.attention >= 0).all()
        if result.tokens:
            np.testing.assert_allclose(result.attention.sum(axis=1), 1.0, atol=1e-5)
    assert results[3].text == "" and results[3].attention.shape == (0, 0)
    assert sum(len(result.tokens) for result in results) >= 3  # not vacuous


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_batched_equals_one_by_one(translators, kind):
    translator = translators[kind]
    texts = TEXTS[KINDS[kind][0]] * 3
    batched = translator.translate_detailed(texts, attention=True, batch_size=4)
    for text, result in zip(texts, batched):
        alone = translator.translate_detailed([text], attention=True)[0]
        assert alone == result  # text, tokens, unknown, truncated, source tokens
        np.testing.assert_allclose(alone.attention, result.attention, atol=1e-6)


def test_without_attention_asked_the_weights_are_not_fetched(translators, monkeypatch):
    sessions = dict(translators["word-luong"].sessions)
    greedy = sessions["decoder_greedy"]  # what greedy decoding runs
    fetched = []

    class Recording:  # onnxruntime sessions cannot be patched; stand in front of one
        def run(self, names, feeds):
            fetched.append(tuple(names or ()))
            return greedy.run(names, feeds)

    sessions["decoder_greedy"] = Recording()
    translator = Translator(translators["word-luong"].export, sessions)
    result = translator.translate_detailed(["the cat ."])[0]
    assert result.attention is None and result.source_tokens == ("the", "cat", ".")
    assert fetched and all("attention_weights" not in names for names in fetched)
    translator.translate_detailed(["the cat ."], attention=True)
    assert "attention_weights" in fetched[-1]


def test_unknown_tokens_are_shown_as_unk_in_the_source_tokens(translators):
    result = translators["word-luong"].translate_detailed(["the zebra ."], attention=True)[0]
    assert result.source_tokens == ("the", "<unk>", ".") and result.unknown == ("zebra",)


def test_asking_a_model_without_attention_for_weights_is_a_clear_error(exports):
    with pytest.raises(ValueError, match="has no attention weights to return"):
        Translator.load(exports["word"][0]).translate_detailed(["the cat ."], attention=True)


def test_heatmap_needs_weights(translators):
    result = translators["word-luong"].translate_detailed(["the cat ."])[0]
    with pytest.raises(ValueError, match="carries no attention weights"):
        save_heatmap(result, "unused.png")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "runtime", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", ["word-luong", "char-bahdanau"])
def test_cli_draws_a_png_heat_map(exports, tmp_path, kind):
    png = tmp_path / "attention.png"
    translator = Translator.load(exports[kind][0])  # a tiny model: find a text it answers
    text = next(t for t in TEXTS[KINDS[kind][0]] + ["abcdefg", "hgfedc"] if translator.translate(t))
    result = run_cli(exports[kind][0], text, "--heatmap", png)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == translator.translate(text)
    content = png.read_bytes()
    assert content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) > 2000
    assert [p.name for p in tmp_path.iterdir()] == ["attention.png"]  # no temporary left


def test_cli_heat_map_errors_are_one_line(exports, tmp_path):
    without = run_cli(exports["word"][0], "the cat .", "--heatmap", tmp_path / "a.png")
    assert without.returncode == 2 and "has no attention" in without.stderr
    assert len(without.stderr.strip().splitlines()) == 1
    two_texts = run_cli(exports["word-luong"][0], "a", "b", "--heatmap", tmp_path / "a.png")
    assert two_texts.returncode == 2 and "exactly one text" in two_texts.stderr
    assert not (tmp_path / "a.png").exists()
