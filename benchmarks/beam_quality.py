"""Beam search against greedy decoding: quality (BLEU, chrF, exact match) and its latency
cost, for the models trained by benchmarks/attention_quality.py (one of each kind), on the same 2,000
held-out fra-eng pairs, side by side in one process.

    python benchmarks/attention_quality.py --minutes 10   # once: the models and the pairs
    python benchmarks/beam_quality.py

Every configuration goes through `s2s_evaluate.evaluate_export` (the runtime, 1 thread, batches
of 64), case-insensitively; then the first 200 held-out inputs are translated one at a time
(batch 1) for the median latency per sentence. Results: beam_quality.json in --out DIR.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from s2s_evaluate import evaluate_export  # noqa: E402
from runtime import Decoding, Translator  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402

MODELS = ("keras-io", "word-none", "word-luong", "word-bahdanau")
CONFIGURATIONS = {
    "greedy": Decoding(),
    "beam 5": Decoding("beam", beam_width=5),
    "beam 5, length penalty 0.6": Decoding("beam", beam_width=5, length_penalty=0.6),
}


def batch_1_latency(export, heldout, decoding, count=200):
    translator = Translator.load(export)
    with open(heldout, encoding="utf-8") as f:
        inputs = [line.split("\t")[0] for line in f][:count]
    times = []
    for text in inputs:
        started = time.perf_counter()
        translator.translate(text, decoding=decoding)
        times.append(time.perf_counter() - started)
    return round(1000 * statistics.median(times), 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_out_argument(parser)
    parser.add_argument("--work", default=os.path.join(ROOT, "runs", "benchmark-attention"),
                        help="the --work folder of attention_quality.py")
    args = parser.parse_args()
    heldout = os.path.join(args.work, "heldout.tsv")
    results = {"command": "python benchmarks/beam_quality.py", "pairs": heldout, "models": {}}
    for model in MODELS:
        export = os.path.join(args.work, "exports", model)
        rows = {}
        for name, decoding in CONFIGURATIONS.items():
            report = evaluate_export(export, heldout, split="all", lowercase=True,
                                     examples=0, decoding=decoding)
            rows[name] = {k: report[k] for k in ("pairs", "bleu", "chrf", "exact_match",
                                                 "translation_seconds")}
            rows[name]["batch_1_p50_ms"] = batch_1_latency(export, heldout, decoding)
            print(model, name, rows[name], flush=True)
        greedy_seconds = rows["greedy"]["translation_seconds"]
        for row in rows.values():
            row["time_vs_greedy"] = round(row["translation_seconds"] / greedy_seconds, 2)
            row["batch_1_vs_greedy"] = round(row["batch_1_p50_ms"] / rows["greedy"]["batch_1_p50_ms"], 2)
        results["models"][model] = rows
    with open(result_path(args.out, "beam_quality.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
