"""How to decode: the options of greedy search, beam search and sampling, validated once.

    Decoding()                                   greedy argmax (the default)
    Decoding("beam", beam_width=5, n_best=3, length_penalty=0.6)
    Decoding("sample", temperature=0.8, top_k=40, top_p=0.95, seed=7)

Every strategy keeps only what the model gives: scores are the model's natural-log
probabilities (sampling reports them from the untempered distribution), summed over the
output tokens and the <end> that closed them.
"""

import dataclasses
import math
import numbers

STRATEGIES = ("greedy", "beam", "sample")


@dataclasses.dataclass(frozen=True)
class Decoding:
    strategy: str = "greedy"      # "greedy", "beam" or "sample"
    beam_width: int = 5           # beam: hypotheses kept per input at each step
    n_best: int = 1               # beam: hypotheses returned per input (<= beam_width)
    length_penalty: float = 0.0   # beam: rank by score / ((5 + length) / 6) ** alpha (GNMT;
                                  # 0 = raw log-probability, larger favours longer outputs)
    min_length: int = 0           # beam, sample: <end> is not allowed before this many tokens
    temperature: float = 1.0      # sample: > 0; below 1 sharpens, above 1 flattens
    top_k: int = 0                # sample: draw from the k likeliest tokens (0 = all)
    top_p: float = 1.0            # sample: from the fewest tokens holding this much probability
    seed: int | None = None       # sample: the same seed and text give the same output

    def __post_init__(self):
        problem = _problem(self)
        if problem:
            raise ValueError(f"decoding option {problem}")

    def applicable(self):
        """{option: value} of the options this strategy uses, "strategy" first (what a report
        should show: a greedy run has no beam width)."""
        return {name: value for name, value in dataclasses.asdict(self).items()
                if name == "strategy" or self.strategy in _APPLIES.get(name, STRATEGIES)}

    def check_lengths(self, max_length):
        if not _integer(max_length) or max_length < 1:
            raise ValueError(f"max_length must be an integer >= 1, got {max_length!r}")
        if self.min_length > max_length:
            raise ValueError(f"decoding option min_length {self.min_length} exceeds max_length "
                             f"{max_length}: no output could satisfy both")


MAX_BEAM_WIDTH = 256       # batch_size x beam_width rows run at once, each with a vocabulary
MAX_LENGTH_PENALTY = 10.0  # GNMT uses 0.6-1; beyond this the penalty only overflows

# The options that only some strategies read; setting one for another strategy is an error.
_APPLIES = {"beam_width": ("beam",), "n_best": ("beam",), "length_penalty": ("beam",),
            "min_length": ("beam", "sample"), "temperature": ("sample",),
            "top_k": ("sample",), "top_p": ("sample",), "seed": ("sample",)}


def _integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _number(value):
    try:
        return (isinstance(value, numbers.Real) and not isinstance(value, bool)
                and math.isfinite(value))
    except OverflowError:  # an int too large for a float
        return False


def _problem(options):
    """What is wrong with the options, as '<name> must ..., got ...', or None."""
    o = options
    checks = [
        (o.strategy in STRATEGIES, "strategy", f"be one of {STRATEGIES}"),
        (_integer(o.beam_width) and 1 <= o.beam_width <= MAX_BEAM_WIDTH, "beam_width",
         f"be an integer from 1 to {MAX_BEAM_WIDTH}"),
        (_integer(o.n_best) and o.n_best >= 1, "n_best", "be an integer >= 1"),
        (_number(o.length_penalty) and 0 <= o.length_penalty <= MAX_LENGTH_PENALTY,
         "length_penalty", f"be a number from 0 to {MAX_LENGTH_PENALTY:g}"),
        (_integer(o.min_length) and o.min_length >= 0, "min_length", "be an integer >= 0"),
        (_number(o.temperature) and o.temperature > 0, "temperature",
         "be a finite number > 0 (use strategy 'greedy' for the argmax)"),
        (_integer(o.top_k) and o.top_k >= 0, "top_k", "be an integer >= 0 (0 = no limit)"),
        (_number(o.top_p) and 0 < o.top_p <= 1, "top_p", "be in (0, 1]"),
        (o.seed is None or (_integer(o.seed) and 0 <= o.seed < 2**63), "seed",
         "be None or an integer from 0 to 2**63 - 1"),
    ]
    for holds, name, requirement in checks:
        if not holds:
            return f"{name} must {requirement}, got {getattr(o, name)!r}"
    if o.strategy == "beam" and o.n_best > o.beam_width:
        return f"n_best {o.n_best} exceeds beam_width {o.beam_width}: a beam keeps only that many"
    for field in dataclasses.fields(o):
        strategies = _APPLIES.get(field.name, STRATEGIES)
        if o.strategy not in strategies and getattr(o, field.name) != field.default:
            return (f"{field.name} applies to strategy {' or '.join(map(repr, strategies))}, "
                    f"not {o.strategy!r}")
    return None
