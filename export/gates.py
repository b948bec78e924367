"""Quality gates for the export's lossy speed-ups, measured when exporting, through the
runtime itself, on the run's validation sentences; the figures go to parity.json.

    int8       greedy output identical to the float32 graphs' on >= 95% of the sentences,
               and corpus chrF within 0.5 of float32's
    shortlist  greedy output identical to the full vocabulary's on >= 98%, chrF within 0.3

Both translate the sentences in batches of 64, as a service batching its requests would
(int8 activations share one scale per batch, so int8 outputs depend a little on the batch).
A gate that fails fails the export (export.errors.GateError) with its figures.
"""

from s2s_evaluate.errors import EvaluationError
from s2s_evaluate.scores import score
from export.errors import ExportError, GateError

REQUIREMENTS = {"int8": (95.0, 0.5), "shortlist": (98.0, 0.3)}  # identical %, max chrF drop


def measure(kind, reference, candidate, texts, references, lowercase, compared_with):
    """reference, candidate: runtime Translators. -> the gate's figures (passed or not)."""
    expected = reference.translate_batch(texts, batch_size=64)
    actual = candidate.translate_batch(texts, batch_size=64)
    identical = sum(a == b for a, b in zip(expected, actual))
    try:
        before, after = (score(outputs, references, lowercase)["chrf"]
                         for outputs in (expected, actual))
    except EvaluationError as error:
        raise ExportError(f"the {kind} gate scores chrF with sacrebleu: {error}") from None
    least_identical, most_drop = REQUIREMENTS[kind]
    figures = {"compared_with": compared_with, "sentences": len(texts),
               "identical": identical,
               "identical_percent": round(100.0 * identical / max(1, len(texts)), 2),
               "chrf": after, "chrf_reference": before, "chrf_drop": round(before - after, 2),
               "required": {"identical_percent_at_least": least_identical,
                            "chrf_drop_at_most": most_drop}}
    figures["passed"] = (figures["identical_percent"] >= least_identical
                         and figures["chrf_drop"] <= most_drop)
    return figures


def check(kind, figures):
    """Raise GateError with the figures unless the gate passed."""
    if not figures["passed"]:
        required = figures["required"]
        raise GateError(
            f"the {kind} gate failed on {figures['sentences']} validation sentences: "
            f"{figures['identical_percent']}% decode identically to {figures['compared_with']} "
            f"(at least {required['identical_percent_at_least']}% required), chrF "
            f"{figures['chrf']} against {figures['chrf_reference']} (a drop of "
            f"{figures['chrf_drop']}, at most {required['chrf_drop_at_most']} allowed); "
            f"the export was not written")


def summary(kind, figures):
    return (f"{kind} gate: {figures['identical_percent']}% of {figures['sentences']} validation "
            f"sentences identical to {figures['compared_with']}, chrF {figures['chrf']} vs "
            f"{figures['chrf_reference']} ({'passed' if figures['passed'] else 'FAILED'})")
