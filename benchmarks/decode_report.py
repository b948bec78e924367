"""The decode benchmark's goals (issue 12) and its report: decode_speed.json, .md and .png."""

import json
import os

BATCH = 64


def _row(model, method, batch):
    return next((r for r in model["rows"] if r["method"] == method and r["batch"] == batch), None)


def _step(model, method, batch):
    found = next((s for s in model["steps"] if s["method"] == method), None)
    return found and found[f"batch_{batch}_us"]


def _best_runtime(model, batch, key, lowest=True):
    rows = [r for r in model["rows"] if r["method"].startswith("runtime") and r["batch"] == batch]
    best = (min if lowest else max)(rows, key=lambda r: r[key])
    return best[key], best["method"]


def goals(report):
    """{goal: {"goal", "measured", "method", "met"}} for the default model (the first) and
    the keras-io char model (the second, when measured)."""
    models = list(report["models"].values())
    default = models[0]
    found = {}

    def add(name, measured, method, met, goal):
        found[name] = {"goal": goal, "measured": measured, "method": method, "met": bool(met)}

    value, method = _best_runtime(default, 1, "us_per_step")
    add("batch-1 greedy step, us (end to end, median)", value, method, value <= 50, "<= 50")
    value, method = _best_runtime(default, BATCH, "us_per_step")
    add("batch 64, us per sequence-step", value, method, value <= 6, "<= 6")
    value, method = _best_runtime(default, BATCH, "sentences_per_s", lowest=False)
    add("sentences/s at batch 64", value, method, value >= 20000, ">= 20,000")
    keras = _row(default, "keras tf.function", 1)["p50_ms"]
    fastest, method = _best_runtime(default, 1, "p50_ms")
    add("speed-up over Keras tf.function, batch 1 (median latency)", keras / fastest, method,
        keras / fastest >= 20, ">= 20x")
    for batch in (1, BATCH):
        tflite = _step(default, "tflite int8 (dynamic range)", batch)
        ours = _step(default, "runtime int8", batch)
        if tflite and ours:
            add(f"one decoder step at batch {batch} vs TFLite dynamic-range int8 (us)", ours,
                "runtime int8", ours < tflite, f"faster than {tflite:.1f}")
    if len(models) > 1:
        value, method = _best_runtime(models[1], 1, "us_per_step")
        add("keras-io char model, batch-1 greedy step, us", value, method, value <= 25, "<= 25")
    return found


def write(report, folder):
    os.makedirs(folder, exist_ok=True)
    stored = json.loads(json.dumps(report))
    for model in stored["models"].values():
        for row in model["rows"]:
            del row["outputs"]
    with open(os.path.join(folder, "decode_speed.json"), "w") as f:
        json.dump(stored, f, indent=1)
    text = markdown(report)
    with open(os.path.join(folder, "decode_speed.md"), "w") as f:
        f.write(text)
    plot(report, os.path.join(folder, "decode_speed.png"))
    print(text)


def markdown(report):
    lines = []
    for name, model in report["models"].items():
        lines += [f"### {name} ({model['level']} level, {model['sentences']} validation "
                  f"sentences)", "",
                  "| method | batch | p50 ms | p99 ms | us/step | sentences/s | chrF | "
                  "identical to Keras |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['method']} | {r['batch']} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
                  f"{r['us_per_step']:.1f} | {r['sentences_per_s']:.0f} | {r['chrf']:.2f} | "
                  f"{r['identical_to_keras']}/{r['sentences']} |" for r in model["rows"]]
        lines += ["", "| one decoder step (encoder state of real sentences) | batch 1 us | "
                      "batch 64 us | batch 64 us per row |", "|---|---|---|---|"]
        lines += [f"| {s['method']} | {s['batch_1_us']:.1f} | {s['batch_64_us']:.1f} | "
                  f"{s['batch_64_us'] / BATCH:.2f} |" for s in model["steps"]]
        for variant, gates in model["gates"].items():
            lines.append("")
            if "failed" in gates:
                lines.append(f"- {variant}: not exported: {gates['failed']}")
            for kind, g in gates.items() if "failed" not in gates else ():
                lines.append(f"- {variant}, {kind} gate: {g['identical_percent']}% of "
                             f"{g['sentences']} validation sentences identical to "
                             f"{g['compared_with']}, chrF {g['chrf']} vs {g['chrf_reference']}")
        lines.append("")
    cold = report["cold_start"]
    lines += ["| cold start (fresh process: import, load, one translation) | seconds | "
              "peak RSS MiB |", "|---|---|---|"]
    lines += [f"| {name} | {c['seconds']:.2f} | {c['peak_rss_mib']:.0f} |"
              for name, c in cold.items()]
    lines += ["", "| goal | target | measured | by | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {g['goal']} | {g['measured']:.3g} | {g['method']} | "
              f"{'met' if g['met'] else '**missed**'} |" for name, g in report["goals"].items()]
    return "\n".join(lines) + "\n"


def plot(report, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model_name, model = next(iter(report["models"].items()))
    ones = [r for r in model["rows"] if r["batch"] == 1]
    batched = [r for r in model["rows"] if r["batch"] == BATCH]
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    left.boxplot([r["latencies_ms"] for r in ones], orientation="horizontal", whis=(1, 99),
                 showfliers=False)
    left.set_yticks(range(1, len(ones) + 1), [r["method"] for r in ones], fontsize=8)
    left.set_xscale("log")
    left.set_xlabel("batch 1: latency per sentence, ms (quartiles, p1-p99; log scale)")
    right.barh([r["method"] for r in batched], [r["sentences_per_s"] for r in batched])
    right.tick_params(axis="y", labelsize=8)
    right.set_xlabel(f"batch {BATCH}: sentences per second")
    figure.suptitle(f"{model_name}: greedy decoding, 1 thread")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
