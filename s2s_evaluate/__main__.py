"""python -m s2s_evaluate EXPORT_DIR [--data PATH] [--split validation|all] [--out REPORT.json]:
score an export's translations with BLEU, chrF and exact match.

By default it scores the run's validation split, rebuilt from the training config the
manifest carries (the data file must be the one trained on); --split all scores every pair
of --data instead (a test set of your own). Needs no TensorFlow. Errors print one line
`error: ...` and exit with status 2.
"""

import argparse
import sys

from s2s_evaluate.evaluator import evaluate_export, summary
from s2s_evaluate.pairs import SPLITS
from runtime.cli import Parser, add_decoding_arguments, decoding_from_args
from runtime.errors import ExportLoadError, ProviderError


def parse_args(argv):
    parser = Parser(prog="python -m s2s_evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("export_dir", help="a folder written by `python -m export`")
    parser.add_argument("--data", help="pairs file (default: the one the run trained on)")
    parser.add_argument("--split", choices=SPLITS, default="validation",
                        help="the run's validation pairs, or every pair of --data")
    parser.add_argument("--limit", type=int, help="score only the first N pairs")
    parser.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=None,
                        help="ignore case (default: as the model was trained)")
    parser.add_argument("--examples", type=int, default=10, help="outputs kept in the report")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    parser.add_argument("--out", help="write the JSON report here (atomically)")
    add_decoding_arguments(parser)
    args = parser.parse_args(argv)
    args.decoding = decoding_from_args(args, parser)
    if args.n_best != 1:
        parser.error("--n-best: evaluation scores one output per input")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        report = evaluate_export(args.export_dir, args.data, args.split, args.limit,
                                 args.lowercase, max(args.examples, 0), threads=args.threads,
                                 out_path=args.out, decoding=args.decoding)
    except (ValueError, ExportLoadError, ProviderError, OSError) as error:  # named errors
        # (EvaluationError, ConfigError, DataError are ValueErrors) and unreadable files
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(summary(report))
    if args.out:
        print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
