"""Corpus scores of hypotheses against one reference each: sacrebleu's BLEU and chrF, and
the exact-match rate.

Exact match compares word tokens (runtime.tokenize's `[\\w']+|[^\\s\\w]`), so spacing
around punctuation ("Va !" / "Va!") does not count; BLEU's 13a tokenizer and chrF (which
ignores whitespace) treat spacing the same way. With `lowercase` every score ignores case,
as it must for a model trained on lowercased text.
"""

from s2s_evaluate.errors import EvaluationError
from runtime.tokenize import tokenize

# Source length buckets, in words (whitespace-separated): (name, fewest, most or None).
LENGTH_BUCKETS = (("1-4", 1, 4), ("5-9", 5, 9), ("10+", 10, None))


def score(hypotheses, references, lowercase=False):
    """-> {"bleu", "chrf", "exact_match" (all 0-100), "signatures": {"bleu", "chrf"}}."""
    if len(hypotheses) != len(references) or not references:
        raise ValueError(f"need as many hypotheses as references, at least one "
                         f"(got {len(hypotheses)} and {len(references)})")
    try:  # the [evaluate] extra; a plain `pip install .` (the runtime) lacks it
        from sacrebleu.metrics import BLEU, CHRF
    except ImportError:
        raise EvaluationError("scoring needs sacrebleu, which is not installed: "
                              "pip install sacrebleu (or the project's [evaluate] extra)") from None
    bleu, chrf = BLEU(lowercase=lowercase), CHRF(lowercase=lowercase)
    bleu_score = bleu.corpus_score(hypotheses, [references])
    chrf_score = chrf.corpus_score(hypotheses, [references])
    matches = sum(tokenize(h, "word", lowercase) == tokenize(r, "word", lowercase)
                  for h, r in zip(hypotheses, references))
    return {"bleu": round(bleu_score.score, 2), "chrf": round(chrf_score.score, 2),
            "exact_match": round(100.0 * matches / len(references), 2),
            "signatures": {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())}}


def bucket_of(source):
    """The LENGTH_BUCKETS name of a source text (an empty text counts as 1-4)."""
    words = max(1, len(source.split()))
    return next(name for name, fewest, most in LENGTH_BUCKETS
                if words >= fewest and (most is None or words <= most))


def score_by_length(sources, hypotheses, references, lowercase=False):
    """{bucket name: {"pairs", "bleu", "chrf", "exact_match"}} for each LENGTH_BUCKETS
    bucket (scores None where it has no pairs)."""
    grouped = {name: ([], []) for name, _, _ in LENGTH_BUCKETS}
    for source, hypothesis, reference in zip(sources, hypotheses, references):
        found, wanted = grouped[bucket_of(source)]
        found.append(hypothesis)
        wanted.append(reference)
    result = {}
    for name, (found, wanted) in grouped.items():
        scores = score(found, wanted, lowercase) if wanted else {}
        result[name] = {"pairs": len(wanted), **{key: scores.get(key) for key in
                                                  ("bleu", "chrf", "exact_match")}}
    return result
