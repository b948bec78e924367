"""Translation quality under one training time budget, on one random split of the whole
corpus: the old default, the keras-io preset, word level with attention, and subword
models with and without attention, with and without dropout, and with a narrower or full
width output projection, tied to the target embedding or not. Each is trained in turn with the same --time-budget-minutes on the
same training file and scored by `python -m s2s_evaluate` on the same held-out pairs, in total
and by source length (1-4, 5-9, 10+ words).

    python benchmarks/quality.py --minutes 8

The split (WORK/heldout.tsv, WORK/train.tsv): the held-out pairs are drawn at random (seed
1337) from all of fra.txt, 5% of it, as the default preset draws its validation split;
train.tsv is every other pair whose input (ignoring case and spacing) is not a held-out
input, so nothing held out is trained on, not even under another translation. Each model
takes its own validation split (for early stopping) from train.tsv.

Every step is the project's own CLI, run as a subprocess; quality.json (in --out DIR) keeps each
model's training command. A run directory that already has a trained model is reused as it
is (delete WORK to train afresh). Scores are case-sensitive, except for the models trained
lowercased (the old default and word-bahdanau), whose scores ignore case: they cannot write
capitals (their case_sensitive figures are given too).
"""

import argparse
import json
import os
import sys

import numpy as np

from attention_quality import run  # a CLI step as a subprocess, logged; exits if it fails

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
from runtime.atomic import write_json_atomic  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402
HELDOUT_FRACTION, SEED = 0.05, 1337
NO_DROPOUT = ["--embedding-dropout", "0", "--output-dropout", "0"]
DROPOUT = ["--embedding-dropout", "0.2", "--output-dropout", "0.2"]
MODELS = {  # name -> training options (the default preset's, unless they say otherwise)
    "old-default": ["--preset", "word"],
    "keras-io": ["--preset", "keras-io"],
    "word-bahdanau": ["--preset", "word", "--attention", "bahdanau", "--num-samples", "0",
                      "--max-vocab-size", "12000"],
    "subword-none": ["--attention", "none", "--combine-dim", "0", *NO_DROPOUT],
    "subword-none-dropout": ["--attention", "none", "--combine-dim", "0", *DROPOUT],
    "subword-bahdanau": ["--no-tie-embeddings", *NO_DROPOUT],
    "subword-bahdanau-dropout": ["--no-tie-embeddings", *DROPOUT],
    "subword-bahdanau-dropout-combine-256": ["--combine-dim", "0", *DROPOUT],
    "subword-bahdanau-tied (default)": ["--tie-embeddings", *NO_DROPOUT],
}
LOWERCASED = ("old-default", "word-bahdanau")


def write_split(data_path, work):
    """heldout.tsv and train.tsv (see the module docstring); -> their figures."""
    from train.sources import load_pairs

    pairs, _ = load_pairs(data_path)
    count = len(pairs)
    chosen = set(np.random.default_rng(SEED).permutation(count)[:round(count * HELDOUT_FRACTION)].tolist())
    heldout = [pairs[i] for i in sorted(chosen)]
    seen = {" ".join(source.lower().split()) for source, _ in heldout}
    kept = [(s, t) for i, (s, t) in enumerate(pairs)
            if i not in chosen and " ".join(s.lower().split()) not in seen]
    for name, rows in (("heldout.tsv", heldout), ("train.tsv", kept)):
        with open(os.path.join(work, name), "w", encoding="utf-8") as f:
            f.writelines(f"{s}\t{t}\n" for s, t in rows)
    return {"data": data_path, "pairs": count, "heldout_pairs": len(heldout),
            "train_file_pairs": len(kept), "excluded_pairs": count - len(heldout) - len(kept)}


def train_and_export(name, options, minutes, work, log):
    slug = name.split(" ")[0]
    run_dir, export_dir = (os.path.join(work, kind, slug) for kind in ("runs", "exports"))
    history_path = os.path.join(run_dir, "history.json")
    command = ["-m", "train", "--out", run_dir, "--quiet", "--samples", "0",
               "--data", os.path.join(work, "train.tsv"), "--time-budget-minutes", str(minutes),
               *options]
    if not os.path.exists(history_path):  # rerunning a budget-stopped run would train more
        run(command, log)
    run(["-m", "export", run_dir, export_dir, "--force"], log)
    with open(history_path) as f:
        history = json.load(f)
    with open(os.path.join(run_dir, "config.json")) as f:
        data = json.load(f)["data"]
    return export_dir, {
        "command": "python " + " ".join(command).replace(work, "WORK"),
        "train_pairs": data["train_pairs"], "epochs": history["epochs"],
        "stop_reason": history["stop_reason"],
        "train_seconds": round(sum(history["history"]["epoch_seconds"]), 1),
        "best_epoch": history["best_epoch"], "best_val_loss": history["best_val_loss"],
        "max_source_length": data["max_source_length"]}


def scores(export_dir, slug, lowercase, work, log):
    report_path = os.path.join(work, f"{slug}-{'lower' if lowercase else 'cased'}.json")
    flag = "--lowercase" if lowercase else "--no-lowercase"
    run(["-m", "s2s_evaluate", export_dir, "--out", report_path, flag, "--split", "all",
         "--data", os.path.join(work, "heldout.tsv")], log)
    with open(report_path) as f:
        report = json.load(f)
    return {k: report[k] for k in ("pairs", "bleu", "chrf", "exact_match", "by_source_length",
                                   "translation_seconds", "inputs_truncated",
                                   "inputs_with_unknown_tokens")}


def input_coverage(report):
    """Held-out inputs the export cut to its input limit, or in which it found unknown
    tokens (%), from the evaluation report's counts."""
    return {"truncated_percent": round(100 * report["inputs_truncated"] / report["pairs"], 2),
            "with_unknown_percent": round(100 * report["inputs_with_unknown_tokens"]
                                          / report["pairs"], 2)}


def main():
    from train.sources import default_data_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="training time budget each")
    parser.add_argument("--work", default=os.path.join(ROOT, "runs", "benchmark-quality"),
                        help="where runs, exports, data files and reports go")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS),
                        help="train and score only these (added to the --out folder's "
                             "quality.json models of the same --minutes)")
    add_out_argument(parser)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    results = {"command": f"python benchmarks/quality.py --minutes {args.minutes:g}",
               "minutes": args.minutes, "split": write_split(default_data_path(), args.work),
               "models": _earlier(result_path(args.out, "quality.json"), args.minutes)}
    with open(os.path.join(args.work, "log.txt"), "a") as log:
        for name in args.models:
            export_dir, result = train_and_export(name, MODELS[name], args.minutes, args.work, log)
            slug = name.split(" ")[0]
            result["case_sensitive"] = scores(export_dir, slug, False, args.work, log)
            if name in LOWERCASED:
                result["case_insensitive"] = scores(export_dir, slug, True, args.work, log)
            result.update(input_coverage(result["case_sensitive"]))
            results["models"][name] = result
            print(f"{name}: chrF {headline(name, result)['chrf']}", flush=True)
    write_json_atomic(result_path(args.out, "quality.json"), results)
    print(table(results))


def _earlier(path, minutes):
    """The models of an earlier quality.json measured with the same budget (--models adds
    to them)."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        earlier = json.load(f)
    return earlier["models"] if earlier.get("minutes") == minutes else {}


def headline(name, result):
    """The scores a model is judged by: case-insensitive for the lowercased ones."""
    return result["case_insensitive" if name in LOWERCASED else "case_sensitive"]


def table(results):
    """A markdown table of the results (what benchmarks/README.md quotes)."""
    lines = ["| model | pairs trained | epochs | BLEU | chrF | exact | chrF 1-4 / 5-9 / 10+ words "
             "| truncated | unknown |", "|---|---|---|---|---|---|---|---|---|"]
    for name, result in results["models"].items():
        shown = headline(name, result)
        buckets = " / ".join("-" if b["chrf"] is None else f"{b['chrf']:.1f}"
                             for b in shown["by_source_length"].values())
        lines.append(f"| {name}{' (lowercased)' if name in LOWERCASED else ''} | "
                     f"{result['train_pairs']} | {result['epochs']} | {shown['bleu']:.1f} | "
                     f"{shown['chrf']:.1f} | {shown['exact_match']:.1f}% | {buckets} | "
                     f"{result['truncated_percent']}% | {result['with_unknown_percent']}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
