"""Translation quality under one training time budget: the keras-io preset (char level,
one-hot, no attention) against word-level models with embeddings, without attention and
with Luong or Bahdanau attention, each trained in turn with the same --time-budget-minutes and scored by
`python -m s2s_evaluate` on the same held-out pairs: the keras-io preset's own validation split
(the last 20% of the first 10,000 fra-eng pairs, as keras-io's validation_split takes them).

    python benchmarks/attention_quality.py --minutes 10

Models (every step is the project's own CLI, run as a subprocess):
- keras-io: `--preset keras-io`, scored on its validation split.
- word-luong-same-pairs: `--attention luong` on exactly the keras-io preset's pairs and
  split (8,000 training pairs).
- word-luong / word-none / word-bahdanau: `--attention luong` / `none` / `bahdanau` on
  the first 30,000 pairs of fra-eng whose English input is not an input of the held-out
  pairs (written to WORK/train.tsv, so nothing held out is trained on, not even under
  another translation);
  their own 10% validation split drives early stopping; scored on the held-out pairs
  (WORK/heldout.tsv, `--split all`). The word model trains faster per pair, so the same
  budget buys it more data: that is part of what is compared, and word-none separates
  what attention adds from what the data adds.
Scores ignore case (the word models are trained lowercased); the keras-io model is also
scored case-sensitively. A run directory that already has a trained model is reused as it
is (delete WORK to train afresh). train_seconds sums the run's epoch times. Results:
attention_quality.json in --out DIR (default: a scratch folder).
"""

import argparse
import json
import os
import subprocess
import sys
from results_folder import add_out_argument, result_path  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
KERAS_IO_PAIRS = ["--num-samples", "10000", "--val-fraction", "0.2", "--val-split", "last"]
MORE_PAIRS = ["--num-samples", "30000"]
MODELS = {  # name -> (training options, data: None = the default file, "train" = train.tsv)
    "keras-io": (["--preset", "keras-io"], None),
    "word-luong-same-pairs": (["--attention", "luong", *KERAS_IO_PAIRS], None),
    "word-luong": (["--attention", "luong", *MORE_PAIRS], "train"),
    "word-none": (["--attention", "none", *MORE_PAIRS], "train"),
    "word-bahdanau": (["--attention", "bahdanau", *MORE_PAIRS], "train"),
}


def run(command, log):
    print("$ python " + " ".join(command), flush=True)
    completed = subprocess.run([sys.executable, *command], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log.write(completed.stdout)
    log.flush()
    if completed.returncode:
        sys.exit(f"failed ({completed.returncode}): {' '.join(command)}\n{completed.stdout[-3000:]}")


def train_and_export(name, options, data, minutes, work, log):
    run_dir, export_dir = (os.path.join(work, kind, name) for kind in ("runs", "exports"))
    history_path = os.path.join(run_dir, "history.json")
    if not os.path.exists(history_path):  # rerunning a budget-stopped run would train more
        data_option = ["--data", os.path.join(work, "train.tsv")] if data else []
        run(["-m", "train", "--out", run_dir, "--quiet", "--samples", "0",
             "--time-budget-minutes", str(minutes), *data_option, *options], log)
    run(["-m", "export", run_dir, export_dir, "--force"], log)
    with open(history_path) as f:
        history = json.load(f)
    return export_dir, {"training_options": options + (["--data", "WORK/train.tsv"] if data else []),
                        "epochs": history["epochs"], "stop_reason": history["stop_reason"],
                        "train_seconds": round(sum(history["history"]["epoch_seconds"]), 1),
                        "best_epoch": history["best_epoch"],
                        "best_val_loss": history["best_val_loss"]}


def scores(export_dir, name, evaluation, case, work, log):
    report_path = os.path.join(work, f"{name}-{case}.json")
    flag = "--lowercase" if case == "case_insensitive" else "--no-lowercase"
    run(["-m", "s2s_evaluate", export_dir, "--out", report_path, flag, *evaluation], log)
    with open(report_path) as f:
        report = json.load(f)
    return {k: report[k] for k in ("pairs", "bleu", "chrf", "exact_match", "signatures")}


def write_heldout_and_train(keras_io_export, work):
    """heldout.tsv: the keras-io run's validation pairs; train.tsv: every fra-eng pair whose
    input (ignoring case and spacing) is not a held-out input."""
    from s2s_evaluate.pairs import evaluation_pairs
    from runtime.export_dir import load_export
    from train.sources import load_pairs

    loaded = load_export(keras_io_export)
    heldout, data_path = evaluation_pairs(loaded)
    seen = {" ".join(source.lower().split()) for source, _ in heldout}
    pairs, _ = load_pairs(data_path)
    kept = [(s, t) for s, t in pairs if " ".join(s.lower().split()) not in seen]
    for name, rows in (("heldout.tsv", heldout), ("train.tsv", kept)):
        with open(os.path.join(work, name), "w", encoding="utf-8") as f:
            f.writelines(f"{s}\t{t}\n" for s, t in rows)
    return {"heldout_pairs": len(heldout), "train_file_pairs": len(kept),
            "excluded_pairs": len(pairs) - len(kept), "data": data_path}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_out_argument(parser)
    parser.add_argument("--minutes", type=float, default=10.0, help="training time budget each")
    parser.add_argument("--work", default=os.path.join(ROOT, "runs", "benchmark-attention"),
                        help="where runs, exports, data files and reports go")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    results = {"command": f"python benchmarks/attention_quality.py --minutes {args.minutes:g}",
               "minutes": args.minutes, "models": {}}
    heldout = ["--split", "all", "--data", os.path.join(args.work, "heldout.tsv")]
    with open(os.path.join(args.work, "log.txt"), "a") as log:
        for name, (options, data) in MODELS.items():
            export_dir, result = train_and_export(name, options, data, args.minutes, args.work, log)
            if name == "keras-io":
                results["data"] = write_heldout_and_train(export_dir, args.work)
            evaluation = heldout if data else []  # the others: their own (= keras-io's) split
            result["case_insensitive"] = scores(export_dir, name, evaluation, "case_insensitive",
                                                args.work, log)
            if name == "keras-io":
                result["case_sensitive"] = scores(export_dir, name, evaluation, "case_sensitive",
                                                  args.work, log)
            results["models"][name] = result
    chrf = {name: r["case_insensitive"]["chrf"] for name, r in results["models"].items()}
    results["chrf_gain_over_keras_io"] = {n: round(c - chrf["keras-io"], 2) for n, c in chrf.items()}
    with open(result_path(args.out, "attention_quality.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
