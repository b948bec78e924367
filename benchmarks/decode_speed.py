"""Decoding speed and quality, side by side in one run: the runtime's exports (full step
graph, lean fp32, int8, shortlist, int8 + shortlist) against Keras (`predict` per step,
direct calls, tf.function) and TFLite (fp32, dynamic-range int8), on trained models and the
same validation sentences, at batch 1 and batch 64, one thread.

    python benchmarks/decode_speed.py --run runs/default --run runs/keras-io

Exact methods must give Keras's outputs (otherwise the run writes no results and exits 1);
lossy ones report how many match, and every row has the chrF of its outputs. The exports are made by this script
(python -m export's export_run) in a temporary folder. Writes decode_speed.{json,md,png} to
--out DIR (default: a scratch folder; the Makefile passes benchmarks/results).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import decode_methods as methods  # noqa: E402
import numpy as np  # noqa: E402
from results_folder import add_out_argument  # noqa: E402

BATCH = 64
VARIANTS = {  # runtime method -> export_run options
    "runtime lean fp32": {}, "runtime int8": {"quantize": "int8"},
    "runtime shortlist": {"shortlist": True},
    "runtime int8 + shortlist": {"quantize": "int8", "shortlist": True}}


def validation_sentences(run_path, count):
    """(texts, source ids, references, max_length, run) of the run's first `count`
    validation pairs."""
    from train.dataset import validation_split
    from train.run_dir import RunDir

    run = RunDir(run_path)
    config, metadata = run.read_config(), run.read_metadata()
    validation = validation_split(metadata["data"]["path"], config, run.load_vocabularies(),
                                  run.load_tokenizers(config))
    pairs = validation.texts[:count]
    return ([s for s, _ in pairs], validation.sources[:count], [t for _, t in pairs],
            metadata["data"]["max_target_length"], run)


def make_methods(run, texts, sources, max_length, folder, predict_count, log=print,
                 before=None):
    """-> ([Method], {variant: gate figures or the failure}) for one trained run. before:
    an export of the same run made before the lean graphs (format 3), or None."""
    from export.errors import GateError
    from export.exporter import export_run
    from tflite_methods import convert, tflite_backend
    from train.decode import keras_backend
    from train.model import build_inference_models
    from train.trainer import load_best_model

    encoder, decoder_step = build_inference_models(load_best_model(run.path))
    target_vocab = run.load_vocabularies()[1]
    made = [methods.keras_predict(encoder, decoder_step, sources[:predict_count], max_length),
            methods.backend_method("keras models called directly",
                                   keras_backend(encoder, decoder_step), sources, max_length,
                                   batched=False),
            methods.backend_method("keras tf.function",
                                   methods.keras_function_backend(encoder, decoder_step),
                                   sources, max_length)]
    if len(encoder.outputs) == 2:  # the TFLite baseline has no attention
        for name, quantize in (("tflite fp32", False), ("tflite int8 (dynamic range)", True)):
            backend = tflite_backend(*convert(encoder, decoder_step, quantize), threads=1)
            made.append(methods.backend_method(name, backend, sources, max_length, exact=not quantize))
    if before:
        made.append(methods.runtime_method("runtime fp32, format 3 export (before)", before,
                                           texts, target_vocab))
    figures = {}
    for name, options in VARIANTS.items():
        out = os.path.join(folder, name.replace(" ", "-").replace("+", "and"))
        try:
            _, report = export_run(run.path, out, log=lambda line: None, **options)
        except GateError as error:
            figures[name] = {"failed": str(error)}
            log(f"{name}: {error}")
            continue
        figures[name] = report["gates"]
        if name == "runtime lean fp32":
            made.append(methods.runtime_method("runtime full step graph (fp32, as format 3)",
                                               out, texts, target_vocab, full_step=True))
        made.append(methods.runtime_method(name, out, texts, target_vocab, exact=not options))
    return made, figures


def measure(method, count, reference_ids, score):
    """Rows for batch 1 (and 64): latency quantiles, us per step, throughput, chrF."""
    rows = []
    for batch in (1, BATCH) if method.batched else (1,):
        indices = list(range(count))
        chunks = [indices[i:i + batch] for i in range(0, count, batch)]
        method.decode(chunks[0])  # warm-up (tf.function traces, sessions allocate)
        timed, outputs = [], []
        for chunk in chunks:
            started = time.perf_counter()
            outputs += method.decode(chunk)
            timed.append(time.perf_counter() - started)
        steps = [len(ids) + 1 for ids in outputs]  # <end> is a step too
        latencies = [t for t, chunk in zip(timed, chunks) for _ in chunk]
        per_step = ([t / s * 1e6 for t, s in zip(timed, steps)] if batch == 1
                    else [sum(timed) / sum(steps) * 1e6])
        identical = sum(a == b for a, b in zip(outputs, reference_ids))
        rows.append({
            "method": method.name, "batch": batch, "sentences": count,
            "p50_ms": float(np.percentile(latencies, 50) * 1e3),
            "p90_ms": float(np.percentile(latencies, 90) * 1e3),
            "p99_ms": float(np.percentile(latencies, 99) * 1e3),
            "us_per_step": statistics.median(per_step), "sentences_per_s": count / sum(timed),
            "identical_to_keras": identical, "chrf": score(outputs),
            "latencies_ms": [t * 1e3 for t in latencies], "outputs": outputs})
    return rows


def step_microseconds(backend, tokens, repeats=300):
    """Median us of one decoder step on the encoder's state for `tokens` (real sentences)."""
    state = backend.encode(tokens)
    token = np.full(len(tokens), 1, dtype=np.int32)  # <start>
    backend.step(token, state)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        backend.step(token, state)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1e6)


def benchmark_model(run_path, count, predict_count, folder, log=print, before=None):
    from s2s_evaluate.scores import score
    from runtime.vocabulary import pad_sequences

    texts, sources, references, max_length, run = validation_sentences(run_path, count)
    config, target_vocab = run.read_config(), run.load_vocabularies()[1]
    target_tokenizer = run.load_tokenizers(config)[1]

    def chrf(outputs):
        hypotheses = [target_tokenizer.detokenize(target_vocab.decode(ids)) for ids in outputs]
        return score(hypotheses, references[:len(hypotheses)], config.lowercase)["chrf"]

    made, gates = make_methods(run, texts, sources, max_length, folder, predict_count, log,
                               before)
    reference = next(m for m in made if m.name == "keras models called directly")
    reference_ids = reference.decode(list(range(count)))
    rows, steps, problems = [], [], []
    for method in made:
        log(f"measuring {method.name}")
        measured = measure(method, predict_count if "predict" in method.name else count,
                           reference_ids, chrf)
        for row in measured:
            if method.exact and row["identical_to_keras"] != row["sentences"]:
                problems.append(f"{method.name}, batch {row['batch']}: "
                                f"{row['sentences'] - row['identical_to_keras']} outputs differ "
                                f"from Keras's")
        rows += measured
        if method.backend is not None:
            steps.append({"method": method.name, **{
                f"batch_{b}_us": step_microseconds(method.backend, pad_sequences(sources[:b]))
                for b in (1, BATCH)}})
    return {"run": os.path.abspath(run_path), "level": config.level, "sentences": count,
            "rows": rows, "steps": steps, "gates": gates, "problems": problems}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="append", help="a trained run (repeat for several); "
                        "default: runs/default and runs/keras-io")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--predict-sentences", type=int, default=50,
                        help="sentences for the slow `predict` per step method")
    parser.add_argument("--before", action="append", default=[], metavar="RUN=EXPORT_DIR",
                        help="also measure an export of RUN made before the lean graphs "
                             "(format 3; see benchmarks/README.md)")
    add_out_argument(parser)  # decode_speed.{json,md,png} go there
    args = parser.parse_args(argv)
    import decode_report
    from runtime_settings import sweep

    report = {"command": "python " + " ".join(sys.argv), "models": {}}
    before = dict(item.partition("=")[::2] for item in args.before)
    with tempfile.TemporaryDirectory() as folder:
        for run_path in args.run or ["runs/default", "runs/keras-io"]:
            name = os.path.basename(os.path.normpath(run_path))
            report["models"][name] = benchmark_model(
                run_path, args.sentences, args.predict_sentences, os.path.join(folder, name),
                before=before.get(run_path) or before.get(name))
        first = next(iter(report["models"].values()))
        lean = os.path.join(folder, next(iter(report["models"])), "runtime-lean-fp32")
        report["cold_start"] = cold_start(first["run"], lean)
        texts = validation_sentences(first["run"], args.sentences)[0]
        report["thread_sweep"] = sweep(lean, texts)
    problems = [p for model in report["models"].values() for p in model["problems"]]
    if problems:
        print("exact methods differ from Keras; no figures reported:\n" + "\n".join(problems),
              file=sys.stderr)
        return 1
    report["goals"] = decode_report.goals(report)
    decode_report.write(report, args.out)
    return 0


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
              "e, d = build_inference_models(m); translate(e, d, ['How are you?'], "
              "r.load_vocabularies(), r.load_tokenizers(r.read_config()), 20); "
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


if __name__ == "__main__":
    sys.exit(main())
