"""Beam search, n-best and sampling on the exported tiny models, through the Translator and
the CLI."""

import json
import subprocess
import sys

import numpy as np
import pytest

from runtime import Decoding, Translator
from runtime import manifest as names
from runtime.vocabulary import END_ID, START_ID
from tests.conftest import KINDS, ROOT

TEXTS = {"word": ["the cat .", "a big red dog sees the small blue cat .", "dog .", "",
                  "the zebra likes a cat .", "blue blue blue ."],
         "char": ["abc", "hgfedcba", "x", "", "abcabc", "hhh"]}
TEXTS["subword"] = TEXTS["word"]  # the subword kind trains on the word pairs


@pytest.fixture(scope="module")
def translators(exports):
    return {kind: Translator.load(exports[kind][0]) for kind in KINDS}


def texts_for(kind):
    return TEXTS[KINDS[kind][0]]


@pytest.mark.parametrize("kind", list(KINDS))
def test_beam_width_1_equals_greedy_exactly(translators, kind):
    translator = translators[kind]
    attention = KINDS[kind][1] != "none"
    greedy = translator.translate_detailed(texts_for(kind), attention=attention)
    beam = translator.translate_detailed(texts_for(kind), attention=attention,
                                         decoding=Decoding("beam", beam_width=1))
    assert [g.tokens for g in greedy] == [b.tokens for b in beam]
    if attention:
        for g, b in zip(greedy, beam):
            np.testing.assert_array_equal(g.attention, b.attention)
    scored = translator.translate_detailed(texts_for(kind), scores=True)  # greedy + scores
    assert [s.tokens for s in scored] == [g.tokens for g in greedy]
    for text, result in zip(texts_for(kind), scored):
        if text:
            expected = teacher_forced_log_probabilities(translator, text, result.tokens,
                                                        result.ended)
            np.testing.assert_allclose(result.token_scores, expected, rtol=1e-5, atol=1e-6)


def teacher_forced_log_probabilities(translator, text, tokens, ended):
    """Run the graphs step by step on `tokens` and read each step's log-probability."""
    encoder, decoder = translator.sessions["encoder"], translator.sessions["decoder"]
    source = translator.prepare(text)[0][None, :]
    state = encoder.run(None, {names.SOURCE_TOKENS: source})
    feeds = dict(zip([names.STATE_H, names.STATE_C], state[:2]))
    if len(state) == 3:
        feeds.update({names.ENCODER_OUTPUTS: state[2],
                      names.SOURCE_LENGTHS: np.array([source.shape[1]], np.int32)})
    vocab = translator.export.target_vocab.ids
    path = [START_ID, *(vocab[t] for t in tokens)] + ([END_ID] if ended else [])
    scores = []
    for previous, following in zip(path, path[1:]):
        feeds[names.PREVIOUS_TOKEN] = np.array([previous], np.int32)
        probabilities, state_h, state_c = decoder.run(
            [names.PROBABILITIES, names.STATE_H_OUT, names.STATE_C_OUT], feeds)[:3]
        feeds[names.STATE_H], feeds[names.STATE_C] = state_h, state_c
        scores.append(float(np.log(probabilities[0, following])))
    return scores


@pytest.mark.parametrize("kind", ["word", "char", "word-luong", "char-bahdanau"])
def test_scores_equal_the_sum_of_the_step_log_probabilities(translators, kind):
    translator = translators[kind]
    options = Decoding("beam", beam_width=4, n_best=3)
    checked = 0
    for text, result in zip(texts_for(kind), translator.translate_detailed(
            texts_for(kind), decoding=options)):
        for candidate in result.n_best:
            expected = teacher_forced_log_probabilities(translator, text, candidate.tokens,
                                                        candidate.ended)
            np.testing.assert_allclose(candidate.token_scores, expected, rtol=1e-5, atol=1e-6)
            assert candidate.score == sum(candidate.token_scores)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("kind", ["word", "char-bahdanau"])
def test_beam_batched_equals_one_by_one(translators, kind):
    translator = translators[kind]
    options = Decoding("beam", beam_width=3, n_best=3, length_penalty=0.6)
    texts = texts_for(kind) * 2
    batched = translator.translate_detailed(texts, decoding=options, batch_size=4)
    for text, result in zip(texts, batched):
        assert translator.translate_detailed([text], decoding=options)[0] == result


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_n_best_lists_are_distinct_and_ranked(translators, alpha):
    options = Decoding("beam", beam_width=5, n_best=5, length_penalty=alpha)
    for result in translators["word"].translate_detailed(texts_for("word")[:3], decoding=options):
        assert len(result.n_best) == 5 and len({c.tokens for c in result.n_best}) == 5
        keys = [(not c.ended, -c.score / ((5 + len(c.token_scores)) / 6) ** alpha)
                for c in result.n_best]
        assert keys == sorted(keys)


def test_min_length_is_respected(translators):
    options = Decoding("beam", beam_width=3, min_length=3)
    texts = texts_for("word")
    for text, result in zip(texts, translators["word"].translate_detailed(texts, decoding=options)):
        assert len(result.tokens) >= 3 if text else result.tokens == ()


@pytest.mark.parametrize("kind", ["word", "word-luong"])
def test_seeded_sampling_is_reproducible_and_batch_invariant(translators, kind):
    translator = translators[kind]
    options = Decoding("sample", temperature=1.5, seed=42)
    texts = texts_for(kind) * 2
    first = translator.translate_detailed(texts, decoding=options)
    assert translator.translate_detailed(texts, decoding=options) == first
    assert [translator.translate_detailed([t], decoding=options)[0] for t in texts] == first
    other = translator.translate_detailed(texts * 3, decoding=Decoding("sample", temperature=1.5,
                                                                       seed=43))
    assert [r.tokens for r in other[:len(texts)]] != [r.tokens for r in first]


def test_sampling_from_the_top_1_is_greedy(translators):
    translator = translators["word"]
    greedy = translator.translate_batch(texts_for("word"))
    assert translator.translate_batch(texts_for("word"), decoding=Decoding("sample", top_k=1,
                                                                           seed=0)) == greedy


def test_bad_options_through_the_api(translators):
    with pytest.raises(ValueError, match="min_length 50 exceeds max_length 5"):
        translators["word"].translate_detailed(["the cat ."], max_length=5,
                                               decoding=Decoding("beam", min_length=50))
    with pytest.raises(TypeError, match="decoding must be a runtime.Decoding"):
        translators["word"].translate_detailed(["the cat ."], decoding="beam")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "runtime", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_n_best_with_scores(exports):
    result = run_cli(exports["word"][0], "--json", "--beam", "4", "--n-best", "3", "the cat .")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert len(record["n_best"]) == 3 and record["n_best"][0]["output"] == record["output"]
    assert record["score"] == sum(record["token_scores"]) and record["ended"] in (True, False)
    greedy = json.loads(run_cli(exports["word"][0], "--json", "--scores", "the cat .").stdout)
    assert greedy["score"] == sum(greedy["token_scores"])
    assert "score" not in json.loads(run_cli(exports["word"][0], "--json", "the cat .").stdout)
    sampled = run_cli(exports["word"][0], "--sample", "--seed", "3", "--temperature", "0.7",
                      "the cat .", "a dog .")
    again = run_cli(exports["word"][0], "--sample", "--seed", "3", "--temperature", "0.7",
                    "the cat .", "a dog .")
    assert sampled.returncode == again.returncode == 0 and sampled.stdout == again.stdout


@pytest.mark.parametrize("args, message", [
    (["--beam", "0"], "beam_width must be an integer from 1 to 256, got 0"),
    (["--beam", "2", "--length-penalty", "400"], "length_penalty must be a number from 0 to 10"),
    (["--sample", "--temperature", "-1"], "temperature must be a finite number > 0"),
    (["--temperature", "0.5"], "apply to --sample"),
    (["--beam", "3", "--sample"], "choose one"),
    (["--beam", "3", "--min-length", "9", "--max-length", "4"], "min_length 9 exceeds max_length 4"),
    (["--max-length", "-1"], "max_length must be an integer >= 1, got -1"),
    (["--beam", "3", "--n-best", "2"], "add --json"),
    (["--beam", "2", "--n-best", "3", "--json"], "n_best 3 exceeds beam_width 2"),
    (["--n-best", "2", "--json"], "add --beam"),
])
def test_cli_refuses_bad_decoding_options_in_one_line(exports, args, message):
    result = run_cli(exports["word"][0], *args, "the cat .")
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["word", "char"])
def test_a_beam_wider_than_the_vocabulary_works(translators, kind):
    translator = translators[kind]
    vocabulary = translator.manifest.model["target_vocab_size"]  # 12-15 tokens here
    wide = Decoding("beam", beam_width=vocabulary + 5, n_best=3)  # the graph's k is clamped
    results = translator.translate_detailed(texts_for(kind), decoding=wide)
    for result, text in zip(results, texts_for(kind)):
        if text:
            assert len({c.tokens for c in result.n_best}) == 3
            assert [c.score for c in result.n_best] == sorted(
                (c.score for c in result.n_best), reverse=True) or not all(
                c.ended for c in result.n_best)
