"""The seed tutorials' stopping rule by length (manifest tokenization.output_limit): their
decode_sequence appends each token to a string (the notebook after a space) and stops once
that string is longer than max_decoder_seq_length characters, the token that crossed it
included.

Decoding cannot change a token already emitted, so a greedy or sampled output under this
rule is the output decoded to `max_tokens` (which no output within the limit exceeds) cut
where the rule stops it. Beam search's candidates are cut the same way.
"""

import dataclasses


class OutputLimit:
    def __init__(self, spec, target_tokens):
        """spec: the manifest's {"separator", "characters"}; target_tokens: the target
        vocabulary's tokens, id for id."""
        self.characters = spec["characters"]
        separator = len(spec["separator"])
        self.costs = [separator + len(token) for token in target_tokens]  # by id
        # Every token costs at least `cheapest`, so max_tokens tokens always cross the limit.
        cheapest = max(1, min(self.costs))
        self.max_tokens = self.characters // cheapest + 1

    def kept(self, ids):
        """How many of `ids` the rule keeps: up to and including the one that crosses."""
        return self._crossing(ids) or len(ids)

    def _crossing(self, ids):
        """The count of ids up to the one that crosses the limit, or None if none does."""
        written = 0
        for count, id_ in enumerate(ids, 1):
            written += self.costs[id_]
            if written > self.characters:
                return count
        return None

    def cut(self, hypothesis):
        """A runtime.beam.Hypothesis cut by the rule: where a token crosses the limit, the
        script stopped after it, without <end> (ended=False, no <end> score), even when
        the decoder would have written <end> next."""
        count = self._crossing(hypothesis.ids)
        if count is None:
            return hypothesis
        scores = hypothesis.token_scores
        weights = hypothesis.attention
        return dataclasses.replace(
            hypothesis, ids=tuple(hypothesis.ids[:count]), ended=False,
            token_scores=None if scores is None else tuple(scores[:count]),
            attention=None if weights is None else weights[:count])

    def cut_ranked(self, hypotheses, length_penalty):
        """Beam search's n-best cut: each hypothesis cut, then ranked again as the beam
        ranks them (ended ones first), keeping the best of those the cut made equal."""
        ranked = sorted((self.cut(h) for h in hypotheses),
                        key=lambda h: h.rank_key(length_penalty))
        seen, kept = set(), []
        for hypothesis in ranked:
            if hypothesis.ids not in seen:
                seen.add(hypothesis.ids)
                kept.append(hypothesis)
        return kept

    def streaming(self, put):
        """put(id) for each streamed id until the rule stops the output."""
        written = [0]

        def limited(id_):
            if written[0] > self.characters:
                return
            written[0] += self.costs[id_]
            put(id_)

        return limited
