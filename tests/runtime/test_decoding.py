"""Decoding options, and beam search and sampling on a fake model with known probabilities:
no TensorFlow, no onnxruntime."""

import numpy as np
import pytest

from runtime.beam import beam_search
from runtime.decoding import Decoding
from runtime.greedy import Backend, greedy_decode
from runtime.sampling import generators, reshape, sample_decode
from runtime.vocabulary import END_ID

VOCAB = 8


def table_backend(seed):
    """A 'model' whose next-token distribution depends on (input row, previous token, step):
    a fixed random table, so every strategy can be checked against brute force."""
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.full(VOCAB, 0.3), size=(3, VOCAB, 12)).astype(np.float32)

    def encode(tokens):  # state: (input row, step)
        return (tokens[:, 0].astype(np.int64), np.zeros(len(tokens), np.int64))

    def outputs(token, state):
        rows, steps = state
        probabilities = table[rows, token, np.minimum(steps, 11)]
        # 'attention weights' that say which (input, previous token, step) produced them
        weights = np.stack([rows, token, steps], axis=1).astype(np.float32)
        return (probabilities, rows, steps + 1, probabilities.argmax(axis=1).astype(np.int32),
                weights)

    def step(token, state, weights=False):
        probabilities, rows, steps, next_token, step_weights = outputs(token, state)
        return next_token, (rows, steps), step_weights if weights else None

    return Backend(encode, step, outputs), table


INPUTS = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0]], np.int32)  # rows key the table


@pytest.mark.parametrize("seed", range(6))
def test_width_1_is_greedy(seed):
    backend, _ = table_backend(seed)
    greedy = greedy_decode(backend, INPUTS, 9)
    beams = beam_search(backend, INPUTS, Decoding("beam", beam_width=1), 9)
    assert [list(b[0].ids) for b in beams] == greedy


@pytest.mark.parametrize("seed", range(6))
def test_scores_are_sums_of_step_log_probabilities(seed):
    backend, table = table_backend(seed)
    for row, hypotheses in enumerate(beam_search(backend, INPUTS, Decoding("beam", beam_width=4,
                                                                          n_best=4), 6)):
        assert len(hypotheses) == 4 and len({h.ids for h in hypotheses}) == 4
        for hypothesis in hypotheses:
            path = [1, *hypothesis.ids] + ([END_ID] if hypothesis.ended else [])
            expected = [np.log(table[row, prev, step, nxt])
                        for step, (prev, nxt) in enumerate(zip(path, path[1:]))]
            np.testing.assert_allclose(hypothesis.token_scores, expected, rtol=1e-6)
            assert hypothesis.score == pytest.approx(sum(expected))
        keys = [(not h.ended, -h.score) for h in hypotheses]  # ended first, then by score
        assert keys == sorted(keys)


def brute_force_best(table, row, max_length):
    """The most probable output that ends within max_length steps, by enumeration."""
    best = (-np.inf, None)
    def walk(prefix, score):
        nonlocal best
        step, prev = len(prefix), ([1] + prefix)[-1]
        end = score + np.log(table[row, prev, step, END_ID])
        best = max(best, (end, tuple(prefix)))
        if step + 1 < max_length:  # room for a token and then <end>
            for token in range(VOCAB):
                if token != END_ID:
                    walk(prefix + [token], score + np.log(table[row, prev, step, token]))
    walk([], 0.0)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_a_wide_beam_finds_the_most_probable_output(seed):
    backend, table = table_backend(seed)
    wide = beam_search(backend, INPUTS, Decoding("beam", beam_width=VOCAB ** 2,
                                                 n_best=VOCAB ** 2), 3)
    for row, hypotheses in enumerate(wide):
        score, ids = brute_force_best(table, row, 3)
        ended = [h for h in hypotheses if h.ended]
        assert ended[0].ids == ids and ended[0].score == pytest.approx(score)


def test_each_hypothesis_keeps_the_attention_of_its_own_steps():
    backend, _ = table_backend(5)
    options = Decoding("beam", beam_width=4, n_best=4)
    for row, hypotheses in enumerate(beam_search(backend, INPUTS, options, 6, attention=True)):
        for hypothesis in hypotheses:
            previous = [1, *hypothesis.ids][:len(hypothesis.ids)]
            expected = [[row, token, step] for step, token in enumerate(previous)]
            assert hypothesis.attention.tolist() == expected


def test_length_penalty_ranks_ended_hypotheses_by_normalised_score():
    backend, _ = table_backend(2)
    for alpha in (0.0, 1.0, 3.0):
        options = Decoding("beam", beam_width=6, n_best=6, length_penalty=alpha)
        for hypotheses in beam_search(backend, INPUTS, options, 8):
            keys = [(not h.ended, -h.ranked(alpha)) for h in hypotheses]
            assert keys == sorted(keys)
    raw = beam_search(backend, INPUTS, Decoding("beam", beam_width=6, n_best=6), 8)
    long = beam_search(backend, INPUTS, Decoding("beam", beam_width=6, n_best=6,
                                                 length_penalty=3.0), 8)
    assert [len(h[0].ids) for h in long] >= [len(h[0].ids) for h in raw]  # favours longer
    assert [h[0].ids for h in long] != [h[0].ids for h in raw]


def test_batched_equals_one_by_one():
    backend, _ = table_backend(7)
    options = Decoding("beam", beam_width=3, n_best=3, length_penalty=0.6, min_length=1)
    batched = beam_search(backend, INPUTS, options, 7)
    alone = [beam_search(backend, INPUTS[i:i + 1], options, 7)[0] for i in range(3)]
    assert batched == alone


def test_min_and_max_length():
    backend, _ = table_backend(3)
    for hypotheses in beam_search(backend, INPUTS, Decoding("beam", beam_width=3, n_best=3,
                                                            min_length=4), 5):
        assert all(4 <= len(h.ids) <= 5 for h in hypotheses)
        assert all(h.ended or len(h.ids) == 5 for h in hypotheses)
    rngs = generators(["a", "b", "c"], 0)
    for hypothesis in sample_decode(backend, INPUTS, Decoding("sample", min_length=4, seed=0),
                                    5, rngs):
        assert 4 <= len(hypothesis.ids) <= 5


def test_sampling_is_seeded_by_seed_and_text():
    backend, _ = table_backend(1)

    def run(texts, seed, inputs=INPUTS):
        options = Decoding("sample", temperature=1.5, seed=seed)
        return sample_decode(backend, inputs, options, 8, generators(texts, options.seed))
    assert run(["x", "y", "z"], 11) == run(["x", "y", "z"], 11)
    assert run(["z", "y", "x"], 11, INPUTS[::-1]) == run(["x", "y", "z"], 11)[::-1]
    assert run(["x", "y", "z"], 11) != run(["x", "y", "z"], 12)
    assert run(["x", "y", "z"], 11) != run(["p", "q", "r"], 11)


def test_a_tiny_temperature_is_the_argmax():
    log_p = np.log(np.array([[0.2, 0.5, 0.3]]))
    assert reshape(log_p, Decoding("sample", temperature=1e-300)).tolist() == [[0, 1, 0]]


def test_reshape_temperature_top_k_top_p():
    log_p = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    np.testing.assert_allclose(reshape(log_p, Decoding("sample")), np.exp(log_p))
    top_2 = reshape(log_p, Decoding("sample", top_k=2))
    np.testing.assert_allclose(top_2, [[0.625, 0.375, 0, 0]])
    # top_p 0.75: 0.5 + 0.3 reach it, so 0.15 and 0.05 go
    np.testing.assert_allclose(reshape(log_p, Decoding("sample", top_p=0.75)), top_2)
    assert reshape(log_p, Decoding("sample", top_p=0.1))[0].tolist() == [1, 0, 0, 0]
    cold = reshape(log_p, Decoding("sample", temperature=0.1))
    assert cold[0, 0] > 0.99


@pytest.mark.parametrize("options, message", [
    (dict(strategy="beam", beam_width=0), "beam_width must be an integer from 1 to 256, got 0"),
    (dict(strategy="beam", beam_width=1000), "beam_width must be an integer from 1 to 256"),
    (dict(strategy="beam", length_penalty=400), "length_penalty must be a number from 0 to 10"),
    (dict(strategy="sample", temperature=10**400), "temperature must be a finite number"),
    (dict(temperature=0.8), "temperature applies to strategy 'sample', not 'greedy'"),
    (dict(strategy="greedy", min_length=3), "min_length applies to strategy 'beam' or 'sample'"),
    (dict(strategy="beam", top_k=5), "top_k applies to strategy 'sample', not 'beam'"),
    (dict(strategy="sample", temperature=-1.0), "temperature must be a finite number > 0"),
    (dict(strategy="sample", temperature=0.0), "temperature must be a finite number > 0"),
    (dict(strategy="sample", top_p=0.0), "top_p must be in \\(0, 1\\]"),
    (dict(strategy="sample", top_k=-2), "top_k must be an integer >= 0"),
    (dict(strategy="beam", beam_width=2, n_best=3), "n_best 3 exceeds beam_width 2"),
    (dict(strategy="greedy", n_best=2), "n_best applies to strategy 'beam', not 'greedy'"),
    (dict(strategy="beam", length_penalty=float("nan")), "length_penalty must be a number"),
    (dict(strategy="viterbi"), "strategy must be one of"),
    (dict(strategy="beam", beam_width=2.5), "beam_width must be an integer"),
])
def test_invalid_options_are_clear_errors(options, message):
    with pytest.raises(ValueError, match=message):
        Decoding(**options)


def test_numpy_numbers_are_accepted():
    options = Decoding("sample", temperature=np.float32(0.5), top_k=np.int64(3), seed=np.int64(4))
    assert options.top_k == 3


def test_min_length_above_max_length_is_an_error():
    with pytest.raises(ValueError, match="min_length 9 exceeds max_length 5"):
        Decoding("beam", min_length=9).check_lengths(5)
