"""Sampling: each step draws the next token from the model's distribution, reshaped by
temperature, top-k and top-p (nucleus), for varied chatbot replies.

Each input gets its own random generator, seeded from (seed, the input's text), so a reply
depends on the seed and the text only: the same in any batch, in any order, in any process.
Without a seed, replies differ from call to call.
"""

import hashlib

import numpy as np

from runtime.beam import Hypothesis, log_probabilities
from runtime.vocabulary import END_ID, START_ID


def generators(texts, seed):
    """One numpy Generator per text: seeded from (seed, text), or fresh entropy if None."""
    if seed is None:
        return [np.random.default_rng() for _ in texts]
    return [np.random.default_rng([seed, *hashlib.sha256(t.encode("utf-8", "surrogatepass"))
                                   .digest()[:16]]) for t in texts]


def reshape(log_p, options):
    """(rows, vocab) log-probabilities -> (rows, vocab) probabilities to draw from."""
    # best token at exactly 0 before dividing: a tiny temperature cannot make it -inf (NaN)
    logits = (log_p - log_p.max(axis=1, keepdims=True)) / options.temperature
    if options.top_k and options.top_k < logits.shape[1]:
        kth = -np.partition(-logits, options.top_k - 1, axis=1)[:, options.top_k - 1:options.top_k]
        logits = np.where(logits < kth, -np.inf, logits)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    if options.top_p < 1:
        order = np.argsort(-probabilities, axis=1, kind="stable")
        sorted_p = np.take_along_axis(probabilities, order, 1)
        # keep a token if the tokens before it hold less than top_p: the first always stays
        outside = np.cumsum(sorted_p, axis=1) - sorted_p >= options.top_p
        mask = np.zeros_like(outside)
        np.put_along_axis(mask, order, outside, 1)
        probabilities = np.where(mask, 0.0, probabilities)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
    return probabilities


def sample_decode(backend, encoder_tokens, options, max_length, rngs, attention=False):
    """-> one Hypothesis per input row; rngs: one Generator per row (see `generators`)."""
    count = len(encoder_tokens)
    if count == 0:  # onnxruntime's LSTM aborts the whole process on a batch of size 0
        return []
    state = backend.encode(encoder_tokens)
    rows = np.arange(count)
    ids, scores, weights = ([[] for _ in range(count)] for _ in range(3))
    ended = np.zeros(count, bool)
    token = np.full(count, START_ID, dtype=np.int32)
    for step in range(max_length):
        outputs = backend.outputs(token, state)
        probabilities = np.asarray(outputs[0])  # (rows, vocab)
        log_p = log_probabilities(probabilities, np.arange(probabilities.shape[1]),
                                  step < options.min_length)
        drawable = reshape(log_p, options)
        token = np.array([rngs[r].choice(len(p), p=p) for r, p in zip(rows, drawable)], np.int32)
        for position, row in enumerate(rows):
            scores[row].append(float(log_p[position, token[position]]))
            if token[position] == END_ID:
                ended[row] = True
            else:
                ids[row].append(int(token[position]))
                if attention:
                    weights[row].append(np.asarray(outputs[4][position]))
        going = token != END_ID
        if not going.any():
            break
        rows, token = rows[going], token[going]
        state = tuple(part[going] for part in (outputs[1], outputs[2], *state[2:]))
    width = encoder_tokens.shape[1]
    return [Hypothesis(tuple(ids[r]), tuple(scores[r]), bool(ended[r]),
                       np.array(weights[r], np.float32).reshape(-1, width) if attention else None)
            for r in range(count)]
