"""Scores: sacrebleu's BLEU and chrF, exact match on word tokens. No TensorFlow."""

import pytest

from s2s_evaluate.scores import score


def test_perfect_and_empty_outputs():
    references = ["Va !", "Je suis là.", "Merci beaucoup."]
    perfect = score(references, references)
    assert (perfect["bleu"], perfect["chrf"], perfect["exact_match"]) == (100.0, 100.0, 100.0)
    nothing = score(["", "", ""], references)
    assert (nothing["bleu"], nothing["chrf"], nothing["exact_match"]) == (0.0, 0.0, 0.0)


def test_partly_right_scores_in_between():
    result = score(["je suis ici .", "merci beaucoup !"], ["Je suis là.", "Merci beaucoup."],
                   lowercase=True)
    assert 0 < result["chrf"] < 100 and 0 < result["bleu"] < 100
    assert result["exact_match"] == 0.0


def test_exact_match_ignores_spacing_around_punctuation_not_case():
    assert score(["Va!"], ["Va !"])["exact_match"] == 100.0
    assert score(["va !"], ["Va !"])["exact_match"] == 0.0
    assert score(["va !"], ["Va !"], lowercase=True)["exact_match"] == 100.0


def test_signatures_record_how_scores_were_computed():
    signatures = score(["a"], ["a"], lowercase=True)["signatures"]
    assert "case:lc" in signatures["bleu"] and "nrefs:1" in signatures["chrf"]


def test_mismatched_or_empty_inputs_are_errors():
    with pytest.raises(ValueError, match="as many hypotheses as references"):
        score(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="at least one"):
        score([], [])


def test_scores_by_source_length_bucket():
    from s2s_evaluate.scores import bucket_of, score_by_length

    assert [bucket_of(s) for s in ("Go.", "I see a big red dog.", " ".join("w" * 1 for _ in range(12)))] \
        == ["1-4", "5-9", "10+"]
    sources = ["Go.", "Run!", "I see a big red dog."]
    buckets = score_by_length(sources, ["Va !", "x", "Je vois un gros chien rouge."],
                              ["Va !", "Cours !", "Je vois un gros chien rouge."])
    assert buckets["1-4"]["pairs"] == 2 and buckets["1-4"]["exact_match"] == 50.0
    assert buckets["5-9"] == {"pairs": 1, "bleu": 100.0, "chrf": 100.0, "exact_match": 100.0}
    assert buckets["10+"] == {"pairs": 0, "bleu": None, "chrf": None, "exact_match": None}
