"""python -m export RUN_DIR OUT_DIR [--force] [--quantize int8] [--shortlist]: a trained run
-> a verified ONNX export.

A thin CLI over export.exporter.export_run: prints the parity summary, and turns the
project's named errors into one-line messages with exit status 2.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING chatter

from export.errors import ExportError  # noqa: E402
from export.parity import DEFAULT_SENTENCES  # noqa: E402
from export.quantize import QUANTIZATIONS  # noqa: E402
from export.shortlist import DEFAULT_FREQUENT, DEFAULT_PER_SOURCE_TOKEN  # noqa: E402
from runtime.errors import ExportLoadError  # noqa: E402
from runtime.manifest import MANIFEST_FILE  # noqa: E402
from runtime.cli import Parser  # noqa: E402
from train.cli import USER_ERRORS, fail  # noqa: E402


DEFAULTS = {"shortlist_frequent": DEFAULT_FREQUENT, "shortlist_per_token": DEFAULT_PER_SOURCE_TOKEN}


def main(argv=None):
    parser = Parser(prog="python -m export", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="a run directory written by `python -m train`")
    parser.add_argument("out_dir", help="the export directory to create")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing OUT_DIR (atomically)")
    parser.add_argument("--data", help="the run's data file, if it has moved since training")
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES,
                        help="validation sentences decoded by both Keras and ONNX")
    parser.add_argument("--quantize", metavar="int8",
                        help="int8 weights (per channel), kept only if greedy output stays "
                             "identical to float32 on >= 95%% of the validation sentences and "
                             "chrF within 0.5")
    parser.add_argument("--shortlist", action="store_true",
                        help="a vocabulary shortlist for greedy and beam search, kept only if "
                             "greedy output stays identical on >= 98%% of the validation "
                             "sentences and chrF within 0.3")
    parser.add_argument("--shortlist-frequent", type=int,
                        help=f"most frequent target tokens always allowed (default "
                             f"{DEFAULT_FREQUENT})")
    parser.add_argument("--shortlist-per-token", type=int,
                        help=f"likeliest target tokens kept per source token (default "
                             f"{DEFAULT_PER_SOURCE_TOKEN})")
    args = parser.parse_args(argv)
    if args.sentences < 1:
        parser.error(f"--sentences must be >= 1, got {args.sentences}")
    if args.quantize is not None and args.quantize not in QUANTIZATIONS:
        parser.error(f"--quantize {args.quantize!r} is not supported; choose one of "
                     f"{list(QUANTIZATIONS)}")
    for option in ("shortlist_frequent", "shortlist_per_token"):
        flag = f"--{option.replace('_', '-')}"
        if getattr(args, option) is None:
            setattr(args, option, DEFAULTS[option])
        elif not args.shortlist:
            parser.error(f"{flag} sets the size of a shortlist: it needs --shortlist")
        elif getattr(args, option) < 0:
            parser.error(f"{flag} must be >= 0, got {getattr(args, option)}")
    try:
        from export.exporter import export_run  # imports TensorFlow: after the arguments

        manifest, _ = export_run(args.run_dir, args.out_dir, args.force, args.data,
                                 args.sentences, log=lambda line: print(line, flush=True),
                                 quantize=args.quantize, shortlist=args.shortlist,
                                 shortlist_frequent=args.shortlist_frequent,
                                 shortlist_per_token=args.shortlist_per_token)
    except (ExportError, ExportLoadError, *USER_ERRORS) as error:  # the gates load the export
        return fail(error)
    print(f"exported to {os.path.abspath(args.out_dir)} (opset {manifest.opset}, "
          f"{len(manifest.files)} files with SHA-256 in {MANIFEST_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
