"""Translation quality of an export: BLEU and chrF (sacrebleu) and exact match, on the
run's validation split or on any pairs file. Runs on the runtime (no TensorFlow).

    from s2s_evaluate import evaluate_export
    report = evaluate_export("exports/default")          # the run's validation pairs
    report["chrf"], report["bleu"], report["exact_match"]
"""

from s2s_evaluate.errors import EvaluationError
from s2s_evaluate.evaluator import evaluate_export
from s2s_evaluate.scores import score

__all__ = ["EvaluationError", "evaluate_export", "score"]
