"""One batch of encoder inputs -> hypotheses, by the strategy runtime.decoding.Decoding names.

Each strategy runs on the backend that serves it (runtime.backends):
    greedy   `greedy.step`: the lean greedy graph (shortlist if on; on CUDA, device states)
    beam     `search.top`: the top-k graph (shortlist if on); greedy decoding with scores is
             beam search of width 1, which picks exactly the greedy tokens
    sample   `sampling.outputs`: the full graph's probabilities, never a shortlist, which
             would change the distribution drawn from
"""

import collections

from runtime.beam import Hypothesis, beam_search
from runtime.decoding import Decoding
from runtime.greedy import greedy_decode
from runtime.sampling import generators, sample_decode

Backends = collections.namedtuple("Backends", "greedy search sampling")


def decode_batch(backends, tokens, texts, decoding, max_length, attention=False,
                 scores=False, compact=True):
    """-> per row of `tokens`, a list of Hypothesis, best first: decoding.n_best of them for
    beam search, one otherwise. texts: the rows' input texts (they seed sampling). Without
    scores, greedy hypotheses have token_scores None."""
    lane, options = route(decoding, scores)
    if lane == "sample":
        rngs = generators(texts, decoding.seed)
        return [[h] for h in sample_decode(backends.sampling, tokens, decoding, max_length, rngs,
                                           attention)]
    if lane == "search":
        return beam_search(backends.search, tokens, options, max_length, attention)
    decoded = greedy_decode(backends.greedy, tokens, max_length, compact, attention)
    ids, weights = decoded if attention else (decoded, [None] * len(decoded))
    return [[Hypothesis(tuple(i), None, len(i) < max_length, w)] for i, w in zip(ids, weights)]


def route(decoding, scores):
    """-> (decoder, options): which decoder serves a request, "greedy", "search" (beam
    search) or "sample", and the options it runs with. Greedy decoding with scores is beam
    search of width 1, which picks exactly the greedy tokens (tested)."""
    if decoding.strategy == "sample":
        return "sample", decoding
    if decoding.strategy == "beam":
        return "search", decoding
    return ("search", _GREEDY_AS_BEAM) if scores else ("greedy", decoding)


_GREEDY_AS_BEAM = Decoding("beam", beam_width=1)
