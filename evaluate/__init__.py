"""Translation quality of an export: BLEU and chrF (sacrebleu) and exact match, on the
run's validation split or on any pairs file. Runs on the runtime (no TensorFlow).

    from evaluate import evaluate_export
    report = evaluate_export("exports/default")          # the run's validation pairs
    report["chrf"], report["bleu"], report["exact_match"]
"""

from evaluate.errors import EvaluationError
from evaluate.evaluator import evaluate_export
from evaluate.scores import score

__all__ = ["EvaluationError", "evaluate_export", "score"]
