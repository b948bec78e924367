"""Training speed and memory: this project's `--preset keras-io` against a faithful
re-implementation of the keras-io script, same 10,000 fra-eng pairs, same model size, same
epochs, run one after the other in this one command.

Each side runs in its own fresh Python process so its peak RSS is its own. Reported:
median seconds per epoch (training + validation), whole-fit seconds per epoch, peak RSS,
RSS above the TensorFlow-import floor, and the validation loss on real (non-pad) target
tokens of the model after the last epoch, both computed over the same 2,000 validation
pairs (the last 20%, as Keras's validation_split takes them).

    python benchmarks/train_speed_memory.py --epochs 5
    python benchmarks/train_speed_memory.py --epochs 5 --our-batch-sizes 64,256

Rows with a batch size other than 64 depart from the keras-io hyperparameters: they show
what a larger batch buys in speed and costs in validation loss, not a like-for-like result.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from results_folder import add_out_argument, result_path  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_ours(data_path, epochs, batch_size):
    """In this process: train with the keras-io preset; measure like the baseline does."""
    import keras
    import numpy as np

    import_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from train.batching import validation_batches, pad_batch
    from train.checkpoints import LAST_MODEL
    from train.run_dir import CHECKPOINTS
    from train.config import make_config
    from train.trainer import train

    config = make_config("keras-io", data=data_path, epochs=epochs, batch_size=batch_size)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = train(config, os.path.join(out, "run"), verbose=2)
        fit_seconds = time.perf_counter() - started
        checkpoint = result.run.file(os.path.join(CHECKPOINTS, f"epoch-{epochs:04d}"))
        model = keras.models.load_model(os.path.join(checkpoint, LAST_MODEL), compile=False)
    validation = result.data.validation
    total, count = 0.0, 0
    for indices in validation_batches(validation, 256):
        encoder_tokens, decoder_tokens, labels = pad_batch(validation, indices)
        probabilities = np.asarray(model([encoder_tokens, decoder_tokens], training=False))
        real = labels != 0
        chosen = np.take_along_axis(probabilities, labels[..., None], axis=-1)[..., 0]
        total += -np.log(np.clip(chosen[real], 1e-7, 1.0)).sum()
        count += real.sum()
    return {
        "epoch_seconds": result.state.history["epoch_seconds"],
        "fit_seconds": fit_seconds,
        "import_rss_mib": import_rss_mib,
        "val_loss_real_tokens": float(total / count),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "samples": len(result.data.train) + len(validation),
    }


def in_subprocess(arguments):
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
        subprocess.run([sys.executable, *arguments, "--json", output.name], check=True,
                       env=env, cwd=ROOT)
        with open(output.name) as f:
            return json.load(f)


def summarize(name, result, epochs):
    return {
        "method": name,
        "median_epoch_seconds": statistics.median(result["epoch_seconds"]),
        "fit_seconds_per_epoch": result["fit_seconds"] / epochs,
        "peak_rss_mib": result["peak_rss_mib"],
        "rss_above_tensorflow_mib": result["peak_rss_mib"] - result["import_rss_mib"],
        "val_loss_real_tokens": result["val_loss_real_tokens"],
    }


def markdown(rows, ratios):
    lines = ["| method | median s/epoch | fit s/epoch | peak RSS MiB | RSS above TF import MiB "
             "| val loss (real tokens) |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['median_epoch_seconds']:.2f} | "
                     f"{r['fit_seconds_per_epoch']:.2f} | {r['peak_rss_mib']:.0f} | "
                     f"{r['rss_above_tensorflow_mib']:.0f} | {r['val_loss_real_tokens']:.4f} |")
    lines.append("")
    lines += [f"- {name}: {value:.2f}x" for name, value in ratios.items()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_out_argument(parser)
    parser.add_argument("--data", default=None, help="fra.txt (default: the shared copy)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--our-batch-sizes", default="64",
                        help="comma-separated batch sizes for this project's rows (64 = keras-io)")
    parser.add_argument("--ours", type=int, help=argparse.SUPPRESS)  # batch size, internal
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours:
        with open(args.json, "w") as f:
            json.dump(run_ours(args.data, args.epochs, args.ours), f)
        return
    sys.path.insert(0, ROOT)
    from train.sources import shared_fra_eng_path

    data = args.data or shared_fra_eng_path()
    baseline = in_subprocess([os.path.join(HERE, "keras_io_baseline.py"), "--data", data,
                              "--epochs", str(args.epochs)])
    rows = [summarize("keras-io script (one-hot, fixed padding)", baseline, args.epochs)]
    raw = {"baseline": baseline}
    for batch_size in [int(b) for b in args.our_batch_sizes.split(",")]:
        name = "this project, --preset keras-io" + (
            "" if batch_size == 64 else f" --batch-size {batch_size}")
        raw[name] = in_subprocess([os.path.abspath(__file__), "--ours", str(batch_size),
                                   "--data", data, "--epochs", str(args.epochs)])
        rows.append(summarize(name, raw[name], args.epochs))
    ratios = {}
    for row in rows[1:]:
        ratios[f"{row['method']}: speed-up per epoch (median)"] = (
            rows[0]["median_epoch_seconds"] / row["median_epoch_seconds"])
        ratios[f"{row['method']}: speed-up per epoch (whole fit, checkpoints included)"] = (
            rows[0]["fit_seconds_per_epoch"] / row["fit_seconds_per_epoch"])
        ratios[f"{row['method']}: peak RSS reduction"] = rows[0]["peak_rss_mib"] / row["peak_rss_mib"]
        ratios[f"{row['method']}: RSS-above-TensorFlow reduction"] = (
            rows[0]["rss_above_tensorflow_mib"] / row["rss_above_tensorflow_mib"])
    report = {"epochs": args.epochs, "command": " ".join(["python", *sys.argv]),
              "rows": rows, "ratios": ratios, "raw": raw}
    with open(result_path(args.out, "train_speed_memory.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(markdown(rows, ratios))


if __name__ == "__main__":
    main()
