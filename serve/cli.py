"""The options both launchers share (python -m serve and python -m serve.ray): the export,
how to load it, and the limits of a request. A bad value is one line, `error: ...`, exit 2
(runtime.cli.Parser)."""

import math
import os

from runtime.cli import Parser
from runtime.translator import TOO_LONG_POLICIES, UNKNOWN_POLICIES
from serve.config import EngineSettings, Limits

_LIMITS, _ENGINE = Limits(), EngineSettings(export_dir="")


def make_parser(prog, description):
    parser = Parser(prog=prog, description=description)
    parser.add_argument("export_dir", help="a folder written by `python -m export`")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    engine = parser.add_argument_group("model")
    engine.add_argument("--threads", type=int, default=_ENGINE.threads,
                        help="onnxruntime threads (default 1)")
    engine.add_argument("--unknown", choices=UNKNOWN_POLICIES, default=_ENGINE.unknown,
                        help="unknown tokens: <unk>, drop them, or refuse the text with 422 "
                             "(default: replace)")
    engine.add_argument("--too-long", choices=TOO_LONG_POLICIES, default=_ENGINE.too_long,
                        help="inputs over the model's maximum length: cut, or refuse with "
                             "422 (default: truncate)")
    engine.add_argument("--no-shortlist", dest="shortlist", action="store_false",
                        help="decode over the whole vocabulary even if the export has a "
                             "shortlist")
    engine.add_argument("--max-rows", type=int, default=_ENGINE.max_rows,
                        help=f"rows in the decoder's running batch (default {_ENGINE.max_rows})")
    engine.add_argument("--max-queue", type=int, default=_ENGINE.max_queue,
                        help="requests waiting to join the batch before new ones get 503 "
                             f"(default {_ENGINE.max_queue})")
    limits = parser.add_argument_group("limits of a request")
    limits.add_argument("--timeout", type=float, default=_LIMITS.timeout,
                        help=f"seconds a text may take, queueing included, before 504 "
                             f"(default {_LIMITS.timeout:g})")
    limits.add_argument("--max-texts", type=int, default=_LIMITS.max_texts,
                        help=f"texts in one request (default {_LIMITS.max_texts})")
    limits.add_argument("--max-text-chars", type=int, default=_LIMITS.max_text_chars,
                        help=f"characters in one text (default {_LIMITS.max_text_chars})")
    limits.add_argument("--max-body-bytes", type=int, default=_LIMITS.max_body_bytes,
                        help=f"request body size (default {_LIMITS.max_body_bytes})")
    limits.add_argument("--max-output-tokens", type=int, default=_LIMITS.max_output_tokens,
                        help="the largest max_length a request may ask for "
                             f"(default {_LIMITS.max_output_tokens})")
    parser.add_argument("--grace-seconds", type=float, default=30.0,
                        help="on SIGTERM, how long to finish the requests in flight "
                             "(default 30)")
    return parser


def settings_from_args(args, parser):
    """-> (EngineSettings, Limits); an unusable value or export folder is a parser error."""
    if not os.path.isdir(args.export_dir):
        parser.error(f"export folder {args.export_dir} does not exist "
                     f"(write one with python -m export RUN_DIR OUT_DIR)")
    if not 0 < args.port < 65536:
        parser.error(f"--port must be from 1 to 65535, got {args.port}")
    if not (math.isfinite(args.grace_seconds) and args.grace_seconds >= 0):
        parser.error(f"--grace-seconds must be a finite number >= 0, got {args.grace_seconds}")
    try:
        settings = EngineSettings(args.export_dir, threads=args.threads, unknown=args.unknown,
                                  too_long=args.too_long, shortlist=args.shortlist,
                                  max_rows=args.max_rows, max_queue=args.max_queue)
        limits = Limits(max_texts=args.max_texts, max_text_chars=args.max_text_chars,
                        max_body_bytes=args.max_body_bytes,
                        max_output_tokens=args.max_output_tokens, timeout=args.timeout)
    except ValueError as error:
        parser.error("--" + str(error).replace("_", "-"))  # "--max-texts must be ..."
    return settings, limits
