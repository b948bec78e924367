"""python -m export RUN_DIR OUT_DIR [--force] [--quantize int8] [--shortlist]: a trained run
-> a verified ONNX export.
python -m export MODEL_FILE OUT_DIR --recipe keras-io|word-notebook --data PAIRS
[--num-samples N]: the same for a model the keras-io tutorial or the word-level notebook
trained (.keras or .h5).

A thin CLI over export.exporter.export_run and export.seed_export.export_seed_model: prints
the parity summary, and turns the project's named errors into one-line messages with exit
status 2.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING chatter

from export.errors import ExportError  # noqa: E402
from export.parity import DEFAULT_SCRIPT_SENTENCES, DEFAULT_SENTENCES  # noqa: E402
from export.quantize import QUANTIZATIONS  # noqa: E402
from export.shortlist import DEFAULT_FREQUENT, DEFAULT_PER_SOURCE_TOKEN  # noqa: E402
from runtime.errors import ExportLoadError  # noqa: E402
from runtime.manifest import MANIFEST_FILE  # noqa: E402
from runtime.cli import Parser  # noqa: E402
from export.target import ExportTarget, check_data_file, check_run_folder  # noqa: E402
from train.cli import USER_ERRORS, fail, require_modules  # noqa: E402
from train.seed_data import RECIPES  # noqa: E402


EXPORT_MODULES = ("tensorflow", "keras", "tf2onnx", "onnx")  # the [export] extra's
DEFAULTS = {"shortlist_frequent": DEFAULT_FREQUENT, "shortlist_per_token": DEFAULT_PER_SOURCE_TOKEN}


def main(argv=None):
    parser = Parser(prog="python -m export", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="RUN_DIR|MODEL_FILE",
                        help="a run directory written by `python -m train`, or with --recipe "
                             "a model a seed tutorial trained (.keras, .h5, or Keras 2's "
                             "SavedModel folder)")
    parser.add_argument("out_dir", help="the export directory to create")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing OUT_DIR (atomically)")
    parser.add_argument("--data", help="the run's data file, if it has moved since training; "
                                       "with --recipe, the pairs file the script trained on")
    parser.add_argument("--recipe", choices=RECIPES,
                        help="MODEL_FILE was trained by this tutorial's script: rebuild its "
                             "vocabularies, padding and stopping rule from --data")
    parser.add_argument("--num-samples", type=int,
                        help="--recipe: the pairs the script read (keras-io's default "
                             "10000; the notebook's: all)")
    parser.add_argument("--source-tokens", help="--recipe: the input vocabulary as a JSON "
                                                "list (position = one-hot index)")
    parser.add_argument("--target-tokens", help="--recipe: the target vocabulary, likewise")
    parser.add_argument("--sentences", type=int,
                        help=f"validation sentences decoded by both Keras and ONNX (default "
                             f"{DEFAULT_SENTENCES}); with --recipe, training sentences "
                             f"decoded by the script's decode_sequence (default "
                             f"{DEFAULT_SCRIPT_SENTENCES})")
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
    if args.recipe:
        return _import(parser, args)
    for option in ("num_samples", "source_tokens", "target_tokens"):
        if getattr(args, option) is not None:
            parser.error(f"--{option.replace('_', '-')} applies to a model file: it needs "
                         f"--recipe")
    if args.sentences is None:
        args.sentences = DEFAULT_SENTENCES
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
        check_run_folder(args.run_dir, args.run_dir)  # the quick refusals, before TensorFlow
        ExportTarget(args.out_dir, args.run_dir, args.force)
        check_data_file(args.data, args.shortlist)
        require_modules("python -m export", "export", EXPORT_MODULES)
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


def _import(parser, args):
    """MODEL_FILE OUT_DIR --recipe ...: a seed tutorial's model."""
    if args.quantize or args.shortlist:
        parser.error("--quantize and --shortlist apply to runs of `python -m train`, not to "
                     "--recipe imports")
    if args.sentences is not None and args.sentences < 1:
        parser.error(f"--sentences must be >= 1, got {args.sentences}")
    try:
        from export.seed_checks import prepare_import  # no TensorFlow: quick, quiet refusals

        prepared = prepare_import(args.run_dir, args.out_dir, args.recipe, args.data,
                                  args.num_samples, args.source_tokens, args.target_tokens,
                                  args.force)
        require_modules("python -m export", "export", EXPORT_MODULES)
        from export.seed_export import export_prepared  # imports TensorFlow

        manifest, _ = export_prepared(prepared, args.run_dir, args.data,
                                      args.sentences or DEFAULT_SCRIPT_SENTENCES,
                                      log=lambda line: print(line, flush=True))
    except (ExportError, ExportLoadError, *USER_ERRORS) as error:
        return fail(error)
    print(f"exported to {os.path.abspath(args.out_dir)} (opset {manifest.opset}, "
          f"{len(manifest.files)} files with SHA-256 in {MANIFEST_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
