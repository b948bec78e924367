"""python -m export RUN_DIR OUT_DIR [--force]: a trained run -> a verified ONNX export.

A thin CLI over export.exporter.export_run: prints the parity summary, and turns the
project's named errors into one-line messages with exit status 2.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING chatter

from export.errors import ExportError  # noqa: E402
from export.parity import DEFAULT_SENTENCES  # noqa: E402
from runtime.manifest import MANIFEST_FILE  # noqa: E402
from runtime.cli import Parser  # noqa: E402
from train.cli import USER_ERRORS, fail  # noqa: E402


def main(argv=None):
    parser = Parser(prog="python -m export", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="a run directory written by `python -m train`")
    parser.add_argument("out_dir", help="the export directory to create")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing OUT_DIR (atomically)")
    parser.add_argument("--data", help="the run's data file, if it has moved since training")
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES,
                        help="validation sentences decoded by both Keras and ONNX")
    args = parser.parse_args(argv)
    if args.sentences < 1:
        parser.error(f"--sentences must be >= 1, got {args.sentences}")
    try:
        from export.exporter import export_run  # imports TensorFlow: after the arguments

        manifest, _ = export_run(args.run_dir, args.out_dir, args.force, args.data,
                                 args.sentences, log=lambda line: print(line, flush=True))
    except (ExportError, *USER_ERRORS) as error:
        return fail(error)
    print(f"exported to {os.path.abspath(args.out_dir)} (opset {manifest.opset}, "
          f"{len(manifest.files)} files with SHA-256 in {MANIFEST_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
