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
    sampler = Sampler(options, max_length, rngs, encoder_tokens.shape[1], attention)
    state = backend.encode(encoder_tokens)
    while not sampler.done:
        outputs = backend.outputs(sampler.previous_tokens(), state)
        going = sampler.advance(np.asarray(outputs[0]), outputs[4] if attention else None)
        state = tuple(part[going] for part in (outputs[1], outputs[2], *state[2:]))
    return sampler.results()


class Sampler:
    """The sampling of len(rngs) inputs with the same options, one step at a time:
    sample_decode runs one for a whole batch, runtime.scheduler one per request, so both
    draw the same tokens. Its rows are the inputs still drawing, in input order."""

    def __init__(self, options, max_length, rngs, source_length, attention):
        count = len(rngs)
        self.options, self.max_length, self.rngs = options, max_length, rngs
        self.source_length, self.attention = source_length, attention
        self.inputs = np.arange(count)  # the input of each row
        self.ids, self.scores, self.weights = ([[] for _ in range(count)] for _ in range(3))
        self.ended = np.zeros(count, bool)
        self.token = np.full(count, START_ID, dtype=np.int32)
        self.step = 0

    @property
    def rows(self):
        return len(self.inputs)

    @property
    def done(self):
        return not len(self.inputs) or self.step == self.max_length

    def previous_tokens(self):
        return self.token

    def advance(self, probabilities, step_weights):
        """probabilities (rows, vocab); step_weights (rows, >= source_length) or None ->
        (kept rows,) bool: the rows that go on drawing."""
        log_p = log_probabilities(probabilities, np.arange(probabilities.shape[1]),
                                  self.step < self.options.min_length)
        drawable = reshape(log_p, self.options)
        token = np.array([self.rngs[r].choice(len(p), p=p)
                          for r, p in zip(self.inputs, drawable)], np.int32)
        for position, row in enumerate(self.inputs):
            self.scores[row].append(float(log_p[position, token[position]]))
            if token[position] == END_ID:
                self.ended[row] = True
            else:
                self.ids[row].append(int(token[position]))
                if self.attention:
                    self.weights[row].append(
                        np.asarray(step_weights[position][:self.source_length]))
        self.step += 1
        going = token != END_ID
        self.inputs, self.token = self.inputs[going], token[going]
        return going

    def results(self):
        """-> one Hypothesis per input."""
        return [Hypothesis(tuple(self.ids[r]), tuple(self.scores[r]), bool(self.ended[r]),
                           np.array(self.weights[r], np.float32).reshape(-1, self.source_length)
                           if self.attention else None)
                for r in range(len(self.ids))]
