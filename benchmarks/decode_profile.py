"""Where a greedy decoder step's time goes: onnxruntime's profiler, per operator, for the
graph each export's greedy decoding runs (format 3: `decoder`, fetching next_token and the
states; format 4: `decoder_greedy`, or its shortlist variant), at batch 1 and 64, 1 thread.

    python benchmarks/decode_profile.py before=exports/before-default \\
        lean=exports/default int8=exports/int8 [--out DIR] (decode_profile.json; default: a scratch folder)

Inputs are real: the encoder's state for the run's first validation sentences (one, or 64),
<start> as the previous token, and for a shortlist its batch's candidates. Figures are the
mean microseconds per step of each operator type, and the median whole run as the profiler
records it (the profiler itself adds a few microseconds per node).
"""

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402

from runtime import Translator  # noqa: E402
from runtime import manifest as names  # noqa: E402
from runtime.backends import cpu_backend, step_feeds  # noqa: E402
from runtime.vocabulary import START_ID, pad_sequences  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402

RUNS = 300


def greedy_feeds(translator, sources):
    """(the greedy graph's name, its fetched outputs, feeds for one step on `sources`)."""
    graph = next(g for g in ("decoder_greedy_shortlist" if translator.shortlist else "",
                             "decoder_greedy", "decoder") if g in translator.sessions)
    backend = cpu_backend(translator.sessions, translator.has_attention, translator.shortlist)
    state = backend.encode(pad_sequences(sources))
    feeds = step_feeds(np.full(len(sources), START_ID, np.int32), state,
                       translator.has_attention, translator.shortlist is not None)
    fetched = [names.NEXT_TOKEN, names.STATE_H_OUT, names.STATE_C_OUT]
    return graph, fetched, feeds


def profile(translator, sources):
    """{"graph", "run_us" (median), "operators_us" {op type: mean us per step}}."""
    graph, fetched, feeds = greedy_feeds(translator, sources)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(tempfile.gettempdir(), "decode_profile")
    session = onnxruntime.InferenceSession(translator.export.graphs[graph], options,
                                           providers=["CPUExecutionProvider"])
    for _ in range(RUNS):
        session.run(fetched, feeds)
    path = session.end_profiling()
    with open(path) as f:
        events = json.load(f)
    os.remove(path)
    operators, runs = collections.Counter(), []
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            operators[event["args"]["op_name"]] += event["dur"]
        elif event.get("name") == "model_run":
            runs.append(event["dur"])
    return {"graph": graph, "run_us": statistics.median(runs[RUNS // 10:]),
            "operators_us": {op: round(total / RUNS, 1) for op, total in operators.most_common()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports", nargs="+", metavar="LABEL=EXPORT_DIR")
    parser.add_argument("--run", default="runs/default", help="for its validation sentences")
    add_out_argument(parser)
    args = parser.parse_args(argv)
    from decode_speed import validation_sentences

    sources = validation_sentences(args.run, 64)[1]
    report = {"command": "python " + " ".join(sys.argv), "run": args.run, "exports": {}}
    for item in args.exports:
        label, _, folder = item.partition("=")
        translator = Translator.load(folder)
        report["exports"][label] = {"folder": folder, "format": translator.manifest.format_version,
                                    **{f"batch_{len(rows)}": profile(translator, rows)
                                       for rows in (sources[:1], sources)}}
    with open(result_path(args.out, "decode_profile.json"), "w") as f:
        json.dump(report, f, indent=1)
    for label, found in report["exports"].items():
        for batch in ("batch_1", "batch_64"):
            ops = ", ".join(f"{op} {us}" for op, us in list(found[batch]["operators_us"].items())[:6])
            print(f"{label:10s} {batch:8s} {found[batch]['graph']:26s} run {found[batch]['run_us']:7.0f} us: {ops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
