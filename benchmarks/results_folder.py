"""Where a benchmark writes its results: `--out DIR`, by default a scratch folder.

benchmarks/results/ holds the figures the READMEs quote; a trial run (`--epochs 1`,
`--minutes 0.1`) must not overwrite them, so a script writes there only when asked:
`--out benchmarks/results`, which the Makefile's benchmark targets pass.
"""

import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PUBLISHED = os.path.join(HERE, "results")  # what the READMEs quote
SCRATCH_NAME = "lstm-seq2seq-benchmarks"
SCRATCH = os.path.join(tempfile.gettempdir(), SCRATCH_NAME)


def add_out_argument(parser):
    parser.add_argument("--out", metavar="DIR", default=SCRATCH,
                        help=f"folder for the results (default: the scratch folder {SCRATCH}; "
                             f"benchmarks/results, what the READMEs quote, only when given)")


def result_path(out, name):
    """`name` inside the folder `out`, created if need be."""
    os.makedirs(out, exist_ok=True)
    return os.path.join(out, name)
