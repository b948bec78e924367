class EvaluationError(ValueError):
    """The pairs to score cannot be had as asked (missing or changed data, bad options)."""
