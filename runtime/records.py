"""A Translation as the JSON record that `python -m runtime --json` prints and the HTTP
service (serve/) answers with: one definition, so the two never drift apart."""


def translation_record(text, translation):
    """-> {"input", "output", "unknown", "truncated"}, plus "score", "token_scores" and
    "ended" when the translation has scores (beam search, sampling, greedy with scores), and
    "n_best" when beam search returned more than one output."""
    record = {"input": text, "output": translation.text, "unknown": list(translation.unknown),
              "truncated": translation.truncated}
    if translation.score is not None:  # not for an empty input, which is not decoded
        record.update(score=translation.score, token_scores=list(translation.token_scores),
                      ended=translation.ended)
    if len(translation.n_best) > 1:
        record["n_best"] = [{"output": c.text, "score": c.score} for c in translation.n_best]
    return record
