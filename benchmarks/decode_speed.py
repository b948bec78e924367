"""Decoding latency, throughput, cold start and memory: the runtime against the Keras way,
on the same trained model and the same validation sentences, side by side in one run.

    python benchmarks/decode_speed.py --run runs/default --export exports/default

Every method must produce the same outputs; that is checked before anything is reported.
Writes results/decode_speed.json, results/decode_speed.md and results/decode_speed.png.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import decode_methods  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
from runtime import Translator  # noqa: E402

RESULTS = os.path.join(HERE, "results")
BATCH_SIZES = (8, 32, 64, 128)


def validation_sentences(run_path, count):
    from train.dataset import validation_split
    from train.run_dir import RunDir

    run = RunDir(run_path)
    config, metadata = run.read_config(), run.read_metadata()
    validation = validation_split(metadata["data"]["path"], config, run.load_vocabularies())
    return ([source for source, _ in validation.texts[:count]], validation.sources[:count],
            metadata["data"]["max_target_length"], run)


def time_each(decode, items):
    """[(seconds, output ids)] calling decode(item) once per item."""
    timed = []
    for item in items:
        started = time.perf_counter()
        output = decode(item)
        timed.append((time.perf_counter() - started, output))
    return timed


def summarize(name, batch, latencies, outputs, total_seconds, max_length):
    steps = [min(len(ids) + 1, max_length) for ids in outputs]  # <end> is a step too
    per_step = ([s / n * 1e6 for s, n in zip(latencies, steps)] if batch == 1
                else [total_seconds / sum(steps) * 1e6])
    quantiles = np.percentile(np.array(latencies) * 1e3, [50, 90, 99])
    return {"method": name, "batch": batch, "p50_ms": quantiles[0], "p90_ms": quantiles[1],
            "p99_ms": quantiles[2], "us_per_step": statistics.median(per_step),
            "sentences_per_s": len(outputs) / total_seconds,
            "tokens_per_s": sum(len(ids) for ids in outputs) / total_seconds,
            "latencies_ms": [seconds * 1e3 for seconds in latencies]}


def run_methods(run, export, texts, sources, max_length, predict_count):
    from train.decode import keras_backend
    from train.model import build_inference_models
    from train.trainer import load_best_model

    encoder, decoder_step = build_inference_models(load_best_model(run.path))
    target_vocab = run.load_vocabularies()[1]
    translator = Translator.load(export, threads=1)
    rows, outputs = [], {}

    def record(name, batch, timed, latencies=None):
        ids = [list(o) for _, o in timed]
        outputs[name] = [tuple(target_vocab.decode(i)) for i in ids]
        total = sum(seconds for seconds, _ in timed)
        rows.append(summarize(name, batch, latencies or [s for s, _ in timed], ids, total, max_length))

    record("keras predict per step (keras-io)", 1,
           time_each(decode_methods.keras_predict(encoder, decoder_step, max_length),
                     sources[:predict_count]))
    record("keras models called directly", 1,
           time_each(decode_methods.keras_direct(keras_backend(encoder, decoder_step), max_length), sources))
    record("keras models through tf.function", 1,
           time_each(decode_methods.keras_function(encoder, decoder_step, max_length), sources))
    runtime_one = time_each(lambda text: _ids(translator, [text], target_vocab)[0], texts)
    record("runtime, batch 1", 1, runtime_one)
    for batch in BATCH_SIZES:
        chunks = [texts[i:i + batch] for i in range(0, len(texts), batch)]
        timed = time_each(lambda chunk: _ids(translator, chunk, target_vocab), chunks)
        per_sentence = [(seconds, ids) for seconds, batch_ids in timed for ids in batch_ids]
        record(f"runtime, batch {batch}", batch, per_sentence,
               latencies=[seconds for seconds, _ in per_sentence])
        rows[-1]["sentences_per_s"] = len(texts) / sum(s for s, _ in timed)
        rows[-1]["tokens_per_s"] = sum(len(i) for _, i in per_sentence) / sum(s for s, _ in timed)
        rows[-1]["us_per_step"] = sum(s for s, _ in timed) / sum(
            min(len(i) + 1, max_length) for _, i in per_sentence) * 1e6
    return rows, outputs


def _ids(translator, texts, target_vocab):
    return [[target_vocab.ids[t] for t in result.tokens]
            for result in translator.translate_detailed(texts)]


def check_identical(outputs):
    reference_name = "keras models called directly"
    reference = outputs[reference_name]
    problems = []
    for name, produced in outputs.items():
        for i, (a, b) in enumerate(zip(reference, produced)):
            if a != b:
                problems.append(f"{name}: sentence {i} gives {b!r}, {reference_name} gives {a!r}")
                break
    return problems


# Peak RSS from /proc/self/status VmHWM: ru_maxrss survives fork+exec, so a child of this
# (large) process would report the parent's peak.
_PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"
COLD = {
    "runtime": ("import time; t = time.perf_counter(); from runtime import Translator; "
                "x = Translator.load({export!r}); x.translate('How are you?'); "
                "print(time.perf_counter() - t, " + _PEAK + ")"),
    "keras": ("import time; t = time.perf_counter(); import numpy as np, keras; "
              "from train.model import build_inference_models; from train.decode import translate; "
              "from train.run_dir import RunDir; r = RunDir({run!r}); "
              "m = keras.models.load_model(r.file('model.keras'), compile=False); "
              "e, d = build_inference_models(m); translate(e, d, ['How are you?'], r.read_config(), "
              "*r.load_vocabularies(), 20); "
              "print(time.perf_counter() - t, " + _PEAK + ")"),
}


def cold_start(run, export, repeats=3):
    """Median seconds and peak RSS (MiB) of a fresh process: import, load, one translation."""
    results = {}
    for name, code in COLD.items():
        samples = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", code.format(run=run, export=export)],
                                 cwd=os.path.dirname(HERE), capture_output=True, text=True,
                                 check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
            seconds, rss = out.stdout.split()[-2:]
            samples.append((float(seconds), int(rss) / 1024))
        results[name] = {"seconds": statistics.median(s for s, _ in samples),
                         "peak_rss_mib": statistics.median(r for _, r in samples)}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="runs/default")
    parser.add_argument("--export", default="exports/default")
    parser.add_argument("--sentences", type=int, default=200)
    args = parser.parse_args()
    texts, sources, max_length, run = validation_sentences(args.run, args.sentences)
    rows, outputs = run_methods(run, args.export, texts, sources, max_length, len(sources))
    problems = check_identical(outputs)
    if problems:
        print("outputs differ; no figures reported:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    from runtime_settings import sweep

    report = {"command": "python " + " ".join(sys.argv), "sentences": len(texts),
              "rows": rows, "cold_start": cold_start(os.path.abspath(args.run), os.path.abspath(args.export)),
              "thread_sweep": sweep(args.export, texts),
              "cuda": ("CUDAExecutionProvider" in onnxruntime.get_available_providers()
                       and "available but not measured by this script" or
                       "skipped: this onnxruntime has no CUDA provider (no GPU here)")}
    report["goals"] = goals(rows, report["cold_start"])
    write(report)
    return 0


def goals(rows, cold):
    by = {row["method"]: row for row in rows}
    one = by["runtime, batch 1"]
    best_keras = min(by["keras models called directly"]["p50_ms"], by["keras models through tf.function"]["p50_ms"])
    return {
        "runtime batch 1 vs keras predict (median latency, >= 1000x)": by["keras predict per step (keras-io)"]["p50_ms"] / one["p50_ms"],
        "runtime batch 1 vs best direct Keras (median latency, >= 10x)": best_keras / one["p50_ms"],
        "runtime batch 1 us per decode step (median, <= 50)": one["us_per_step"],
        "runtime batch 64 us per sequence-step (<= 10)": by["runtime, batch 64"]["us_per_step"],
        "cold start, keras / runtime (>= 10x)": cold["keras"]["seconds"] / cold["runtime"]["seconds"],
        "peak RSS, runtime / keras (<= 0.25)": cold["runtime"]["peak_rss_mib"] / cold["keras"]["peak_rss_mib"],
    }


def write(report):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "decode_speed.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = ["| method | p50 ms | p90 ms | p99 ms | us/step | sentences/s | tokens/s |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['p50_ms']:.3f} | {r['p90_ms']:.3f} | {r['p99_ms']:.3f} | "
              f"{r['us_per_step']:.1f} | {r['sentences_per_s']:.0f} | {r['tokens_per_s']:.0f} |"
              for r in report["rows"]]
    cold = report["cold_start"]
    lines += ["", "| cold start (fresh process: import, load, one translation) | seconds | peak RSS MiB |",
              "|---|---|---|"]
    lines += [f"| {name} | {c['seconds']:.2f} | {c['peak_rss_mib']:.0f} |" for name, c in cold.items()]
    lines += ["", "| goal | measured |", "|---|---|"]
    lines += [f"| {name} | {value:.3g} |" for name, value in report["goals"].items()]
    lines += ["", f"CUDA: {report['cuda']}"]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(RESULTS, "decode_speed.md"), "w") as f:
        f.write(text)
    plot(report)
    print(text)


def plot(report):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["rows"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.boxplot([r["latencies_ms"] for r in rows], vert=False, whis=(1, 99), showfliers=False)
    left.set_yticks(range(1, len(rows) + 1), [r["method"] for r in rows])
    left.set_xscale("log")
    left.set_xlabel("latency per sentence, ms (box: quartiles, whiskers: p1-p99; log scale)")
    batched = [r for r in rows if r["method"].startswith("runtime")]
    right.plot([r["batch"] for r in batched], [r["sentences_per_s"] for r in batched], "-o")
    right.set_xscale("log", base=2)
    right.set_xlabel("runtime batch size")
    right.set_ylabel("sentences per second")
    right.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(os.path.join(RESULTS, "decode_speed.png"), dpi=100)


if __name__ == "__main__":
    sys.exit(main())
