"""python -m runtime EXPORT_DIR ["text" ...]: translate with an export, no TensorFlow.

With texts as arguments, prints one translation per argument. With none, reads stdin line
by line and writes one output line per input line as it goes (so it works in pipelines on
large files; invalid UTF-8 bytes become U+FFFD). --json writes one JSON object per line;
--chat opens an interactive loop for chatbot models. Bad paths and bad exports give a
one-line `error: ...` and exit status 2.
"""

import io
import json
import sys

from runtime.cli import Parser
from runtime.errors import ExportLoadError, InputError, ProviderError
from runtime.translator import TOO_LONG_POLICIES, UNKNOWN_POLICIES, Translator

_BATCH_LINES = 32  # lines read ahead from a pipe; a terminal is answered line by line


def parse_args(argv):
    parser = Parser(prog="python -m runtime", description=__doc__.splitlines()[0])
    parser.add_argument("export_dir", help="a folder written by `python -m export`")
    parser.add_argument("texts", nargs="*", help="texts to translate (default: stdin lines)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--chat", action="store_true", help="interactive loop (chatbots)")
    parser.add_argument("--max-length", type=int, help="maximum output tokens "
                        "(default: the longest training target)")
    parser.add_argument("--unknown", choices=UNKNOWN_POLICIES, default="replace",
                        help="unknown tokens: <unk>, drop them, or fail (default: replace)")
    parser.add_argument("--too-long", choices=TOO_LONG_POLICIES, default="truncate",
                        help="inputs over the maximum length (default: truncate)")
    parser.add_argument("--providers", default="cpu", help="cpu, or cuda,cpu (default: cpu)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1)")
    return parser.parse_intermixed_args(argv)  # texts may come after options


def main(argv=None):
    args = parse_args(argv)
    try:
        translator = Translator.load(args.export_dir, providers=args.providers.split(","),
                                     threads=args.threads, unknown=args.unknown,
                                     too_long=args.too_long)
        if args.chat:
            return _chat(translator, args)
        lines = [args.texts] if args.texts else _stdin_batches()
        for batch in lines:
            for text, result in zip(batch, translator.translate_detailed(batch, args.max_length)):
                print(_format(text, result, args.json), flush=True)
    except (ExportLoadError, InputError, ProviderError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _stdin_batches():
    """Lists of input lines (newline removed): one at a time from a terminal, up to
    _BATCH_LINES at a time from a pipe or file."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    batch_size = 1 if sys.stdin.isatty() else _BATCH_LINES
    batch, done = [], 0
    for line in stream:
        batch.append(line.rstrip("\r\n"))
        if len(batch) == batch_size:
            yield batch
            done += len(batch)
            _progress(done)
            batch = []
    if batch:
        yield batch


def _progress(done):
    if sys.stderr.isatty() and not sys.stdin.isatty():
        print(f"\r{done} lines", end="", file=sys.stderr, flush=True)


def _format(text, result, as_json):
    if not as_json:
        return result.text
    return json.dumps({"input": text, "output": result.text, "unknown": list(result.unknown),
                       "truncated": result.truncated}, ensure_ascii=False)


def _chat(translator, args):
    print("chat: type a line, Ctrl-D to quit", file=sys.stderr)
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print(file=sys.stderr)
            return 0
        print("bot> " + translator.translate(line, args.max_length), flush=True)


if __name__ == "__main__":
    sys.exit(main())
