"""python -m runtime EXPORT_DIR ["text" ...]: translate with an export, no TensorFlow.

With texts as arguments, prints one translation per argument. With none, reads stdin and
writes one output line per input line as it goes, batching lines that are already there (so
it works in pipelines on large files and with coprocesses; invalid UTF-8 bytes become
U+FFFD). --json writes one JSON object per line; --chat opens an interactive loop for
chatbot models; --heatmap PNG draws the attention weights of one sentence (attention models,
needs matplotlib; a refused sentence there draws nothing and exits 1). Bad paths and bad exports give a one-line `error: ...` and exit status 2; a
line refused by --unknown/--too-long error gives an empty output line (JSON: "error"), a
message on stderr, and exit status 1 at the end.
"""

import json
import os
import sys
import textwrap

from runtime.cli import Parser, add_decoding_arguments, decoding_from_args
from runtime.errors import ExportLoadError, InputError, ProviderError
from runtime.records import translation_record
from runtime.translator import TOO_LONG_POLICIES, UNKNOWN_POLICIES, Translator

_BATCH_LINES = 32  # at most this many available lines are translated together


def parse_args(argv):
    parser = Parser(prog="python -m runtime", description=__doc__.splitlines()[0])
    parser.add_argument("export_dir", help="a folder written by `python -m export`")
    parser.add_argument("texts", nargs="*", default=[],
                        help="texts to translate (default: stdin lines)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--chat", action="store_true", help="interactive loop (chatbots)")
    parser.add_argument("--heatmap", metavar="PNG", help="draw the attention weights of the "
                        "one text given as a PNG heat map (attention models; needs matplotlib)")
    parser.add_argument("--max-length", type=int, help="maximum output tokens "
                        "(default: the longest target in the run's data)")
    parser.add_argument("--unknown", choices=UNKNOWN_POLICIES, default="replace",
                        help="unknown tokens: <unk>, drop them, or fail (default: replace)")
    parser.add_argument("--too-long", choices=TOO_LONG_POLICIES, default="truncate",
                        help="inputs over the maximum length (default: truncate)")
    parser.add_argument("--providers", default="cpu", help="cpu, or cuda,cpu (default: cpu)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1)")
    parser.add_argument("--no-shortlist", dest="shortlist", action="store_false",
                        help="decode over the whole vocabulary even if the export has a "
                             "shortlist (python -m export --shortlist)")
    parser.add_argument("--quiet", action="store_true", help="no warnings on stderr for inputs "
                        "cut at the maximum length or holding unknown tokens (--json "
                        "always reports both)")
    parser.add_argument("--scores", action="store_true", help="--json: add the output's "
                        "log-probability and each token's to greedy output (beam search and "
                        "sampling always have them)")
    add_decoding_arguments(parser)
    args = parser.parse_intermixed_args(argv)  # texts may come after options
    args.decoding = decoding_from_args(args, parser)
    if args.n_best > 1 and not args.json:
        parser.error("--n-best above 1 gives several outputs per input: add --json")
    if args.scores and not args.json:
        parser.error("--scores adds fields to the JSON output: add --json")
    if args.chat and (args.texts or args.json):
        parser.error("--chat reads its own input: give it no texts and no --json")
    if args.heatmap is not None and (len(args.texts) != 1 or args.chat):
        parser.error(f"--heatmap draws one sentence: give exactly one text argument "
                     f"(got {len(args.texts)}{' and --chat' if args.chat else ''})")
    return args


def main(argv=None):
    # Always valid UTF-8 out, even for arguments that arrive with undecodable bytes.
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    args = parse_args(argv)
    try:
        translator = Translator.load(args.export_dir, providers=args.providers.split(","),
                                     threads=args.threads, unknown=args.unknown,
                                     too_long=args.too_long, shortlist=args.shortlist)
        args.decoding.check_lengths(args.max_length or translator.manifest.max_target_length)
        if args.chat:
            return _chat(translator, args)
        if args.heatmap is not None:
            return _heatmap(translator, args)
        failed = False
        for batch in ([args.texts] if args.texts else _stdin_batches()):
            failed |= _translate_lines(translator, batch, args)
        _progress_done()
        return 1 if failed else 0
    except (ExportLoadError, ProviderError, ValueError, OSError) as error:
        if isinstance(error, BrokenPipeError):  # `| head`: the reader has all it wants
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _translate_lines(translator, batch, args):
    """Print one output line per input line; a refused line (InputError) prints an empty
    line (or a JSON "error") and a message on stderr. Returns True if any was refused."""
    try:
        results = _detailed(translator, batch, args)
    except InputError:
        results = [_one(translator, text, args) for text in batch]
    for text, result in zip(batch, results):
        print(_format(text, result, args.json), flush=True)
        if not isinstance(result, InputError):
            _warn(translator, text, result, args)
    return any(isinstance(result, InputError) for result in results)


def _warn(translator, text, result, args):
    """One stderr line for each silent change to an input (plain output and chat; --json
    reports them in its records, --quiet silences them)."""
    if args.json or args.quiet:
        return
    shown = _shorten(text)
    if result.truncated:
        print(f"warning: {shown!r} was cut to its first {translator.max_input_length} tokens, "
              f"the export's input limit (--too-long error refuses such inputs; --quiet "
              f"silences this)", file=sys.stderr)
    if result.unknown:
        print(f"warning: {shown!r} has tokens the model does not know: "
              f"{list(result.unknown)[:10]} (--unknown error refuses such inputs; --quiet "
              f"silences this)", file=sys.stderr)


def _detailed(translator, texts, args, attention=False):
    return translator.translate_detailed(texts, args.max_length, attention=attention,
                                         decoding=args.decoding, scores=args.scores)


def _one(translator, text, args):
    try:
        return _detailed(translator, [text], args)[0]
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return error


def _stdin_batches():
    """Lists of complete input lines: those already available, up to _BATCH_LINES at a time.
    A coprocess that writes one line and waits gets its answer at once; a file or a fast pipe
    is translated in batches. Invalid UTF-8 becomes U+FFFD; a CRLF line end is removed."""
    descriptor, pending, done = sys.stdin.fileno(), b"", 0
    while True:
        *lines, pending = pending.split(b"\n")
        for start in range(0, len(lines), _BATCH_LINES):
            batch = [_decode(line) for line in lines[start:start + _BATCH_LINES]]
            yield batch
            done += len(batch)
            _progress(done)
        chunk = os.read(descriptor, 1 << 16)  # blocks only until some input is there
        if not chunk:
            break
        pending += chunk
    if pending:
        yield [_decode(pending)]


def _decode(line):
    return line.removesuffix(b"\r").decode("utf-8", errors="replace")


def _progress(done):
    if sys.stderr.isatty() and not sys.stdin.isatty():
        print(f"\r{done} lines", end="", file=sys.stderr, flush=True)


def _progress_done():
    if sys.stderr.isatty() and not sys.stdin.isatty():
        print(file=sys.stderr)


def _format(text, result, as_json):
    if isinstance(result, InputError):
        return json.dumps({"input": text, "error": str(result)}, ensure_ascii=False) if as_json else ""
    if not as_json:
        return result.text
    record = translation_record(text, result)
    return json.dumps(record, ensure_ascii=False)


def _heatmap(translator, args):
    from runtime.heatmap import save_heatmap  # matplotlib only when a heat map is asked for

    folder = os.path.dirname(os.path.abspath(args.heatmap))
    if not os.path.isdir(folder):
        raise ValueError(f"cannot write the heat map to {args.heatmap}: {folder} is not a folder")
    try:
        result = _detailed(translator, args.texts, args, attention=True)[0]
    except InputError as error:  # refused by --unknown/--too-long error: nothing to draw
        print(f"error: {error}", file=sys.stderr)
        return 1
    title = f"{_shorten(args.texts[0])} -> {_shorten(result.text)}"
    if result.truncated:  # the map's columns are the tokens the model read
        title += f"\n(input cut to its first {len(result.source_tokens)} tokens)"
    save_heatmap(result, args.heatmap, title=title)
    print(_format(args.texts[0], result, args.json), flush=True)
    _warn(translator, args.texts[0], result, args)
    print(f"attention heat map: {args.heatmap}", file=sys.stderr)
    return 0


def _shorten(text, width=60):
    """At most `width` characters, cut at a word boundary."""
    return textwrap.shorten(text, width, placeholder=" ...") or text[:width]


def _chat(translator, args):
    print("chat: type a line, Ctrl-D to quit", file=sys.stderr)
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print(file=sys.stderr)
            return 0
        try:
            result = _detailed(translator, [line], args)[0]
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            continue
        print("bot> " + result.text, flush=True)
        _warn(translator, line, result, args)
        if not args.quiet and not result.text and args.decoding.strategy != "greedy" \
                and not args.decoding.min_length:
            print("warning: the likeliest reply is empty; --min-length 1 (or more) "
                  "makes beam search and sampling write something", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
