"""One batch of encoder inputs -> hypotheses, by the strategy runtime.decoding.Decoding names.

Greedy decoding runs on the fast backend (only next_token and the states are fetched; on
CUDA the states stay on the device). Beam search, sampling, and greedy decoding with scores
need the step's probabilities, so they run on a plain `session.run` backend.
"""

from runtime.beam import Hypothesis, beam_search
from runtime.decoding import Decoding
from runtime.greedy import greedy_decode
from runtime.sampling import generators, sample_decode


def decode_batch(fast, plain, tokens, texts, decoding, max_length, attention=False,
                 scores=False, compact=True):
    """-> per row of `tokens`, a list of Hypothesis, best first: decoding.n_best of them for
    beam search, one otherwise. texts: the rows' input texts (they seed sampling). Without
    scores, greedy hypotheses have token_scores None."""
    if decoding.strategy == "sample":
        rngs = generators(texts, decoding.seed)
        return [[h] for h in sample_decode(plain, tokens, decoding, max_length, rngs, attention)]
    if decoding.strategy == "beam" or scores:
        options = decoding if decoding.strategy == "beam" else _GREEDY_AS_BEAM
        return beam_search(plain, tokens, options, max_length, attention)
    decoded = greedy_decode(fast, tokens, max_length, compact, attention)
    ids, weights = decoded if attention else (decoded, [None] * len(decoded))
    return [[Hypothesis(tuple(i), None, len(i) < max_length, w)] for i, w in zip(ids, weights)]


_GREEDY_AS_BEAM = Decoding("beam", beam_width=1)  # greedy decoding, with scores (tested)
