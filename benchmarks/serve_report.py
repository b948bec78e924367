"""benchmarks/serve_load.py's figures -> JSON, a markdown table and PNG plots."""

import collections
import json

import numpy as np

from runtime.atomic import write_text_atomic


def summarise(results, seconds):
    """Client results (benchmarks/serve_clients.Result) over `seconds` -> counts, answered
    throughput and latency percentiles (ms) of the answered (HTTP 200) requests."""
    ok = [r for r in results if r.status == 200]
    latencies = np.array([r.latency for r in ok]) * 1e3
    summary = {"requests": len(results), "ok": len(ok),
               "refused": sum(r.status == 503 for r in results),
               "lost": sum(r.status == 0 for r in results),
               "other_errors": sum(r.status not in (0, 200, 503) for r in results),
               "no_answer": dict(collections.Counter(r.error for r in results
                                                     if r.status == 0)),
               "throughput": len(ok) / seconds if seconds > 0 else 0.0}
    for q in (50, 90, 99):
        summary[f"p{q}_ms"] = float(np.percentile(latencies, q)) if len(ok) else float("nan")
    first = [r.first_token for r in ok if r.first_token is not None]
    if first:
        summary["first_token_p50_ms"] = float(np.percentile(first, 50) * 1e3)
        summary["first_token_p99_ms"] = float(np.percentile(first, 99) * 1e3)
    return summary


def ratios(report, clients=64):
    """Throughput and p99 at `clients` of (c) against (a) and (b), and (c)'s p99 against
    its lone request latency."""
    def at(engine):
        runs = report["servers"].get(engine, {}).get("closed", [])
        return next((run for run in runs if run["clients"] == clients), None)

    step, found = at("step"), {}
    if step is None:
        return found
    for engine in ("naive", "microbatch"):
        other = at(engine)
        if other and other["throughput"]:
            found[f"throughput_vs_{engine}"] = step["throughput"] / other["throughput"]
    found["p99_vs_lone"] = step["p99_ms"] / report["lone_http_ms"]["step"]
    return found


def write_report(report, prefix):
    report["ratios_at_64_clients"] = ratios(report)
    write_text_atomic(prefix + ".json", json.dumps(report, indent=1))
    write_text_atomic(prefix + ".md", markdown(report))
    plot(report, prefix + ".png")


def markdown(report):
    lines = ["| server | clients | req/s | p50 ms | p90 ms | p99 ms | first token p50 ms "
             "| 503 | lost |", "|---|---|---|---|---|---|---|---|---|"]
    for engine, server in report["servers"].items():
        for run in server["closed"]:
            lines.append(f"| {server['label']} | {run['clients']} | {run['throughput']:.0f} | "
                         f"{run['p50_ms']:.1f} | {run['p90_ms']:.1f} | {run['p99_ms']:.1f} | "
                         f"{run['first_token'].get('first_token_p50_ms', float('nan')):.1f} | "
                         f"{run['refused']} | {run['lost']} |")
    lines += ["", "| server | offered/s | answered/s | 503 | lost | p50 ms | p99 ms |",
              "|---|---|---|---|---|---|---|"]
    for engine, server in report["servers"].items():
        for run in server["open"]:
            lines.append(f"| {server['label']} | {run['offered_per_s']:.0f} | "
                         f"{run['throughput']:.0f} | {run['refused']} | {run['lost']} | "
                         f"{run['p50_ms']:.1f} | {run['p99_ms']:.1f} |")
    lone = report["lone_in_process"]
    lines += ["", f"Lone request in process: Translator.translate {lone['translator_ms']:.3f} "
              f"ms, Scheduler.translate {lone['scheduler_ms']:.3f} ms (x{lone['ratio']:.3f}).",
              "Lone request over HTTP, interleaved (median ms): " + ", ".join(
                  f"{report['servers'][e]['label']} {ms:.2f}"
                  for e, ms in report["lone_http_ms"].items()),
              "Ratios at 64 clients: " + ", ".join(
                  f"{k} {v:.2f}" for k, v in report["ratios_at_64_clients"].items())]
    if "soak" in report:
        soak = report["soak"]
        lines.append(f"Soak: {soak['minutes']} min at {soak['rate_per_s']:.0f}/s, "
                     f"{soak['requests']} requests, {soak['errors']} errors, RSS "
                     f"{soak['rss_start_mib']:.1f} -> {soak['rss_end_mib']:.1f} MiB "
                     f"({soak['rss_growth_mib']:+.1f}).")
    return "\n".join(lines) + "\n"


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for server in report["servers"].values():
        closed = server["closed"]
        clients = [run["clients"] for run in closed]
        axes[0].plot(clients, [run["throughput"] for run in closed], "o-", label=server["label"])
        axes[1].plot(clients, [run["p99_ms"] for run in closed], "o-", label=server["label"])
        opened = server["open"]
        axes[2].plot([run["offered_per_s"] for run in opened],
                     [run["throughput"] for run in opened], "o-", label=server["label"])
    axes[0].set(xscale="log", xlabel="concurrent clients", ylabel="answered requests/s",
                title="closed loop: throughput")
    axes[1].set(xscale="log", yscale="log", xlabel="concurrent clients", ylabel="p99 ms",
                title="closed loop: p99 latency")
    axes[2].set(xlabel="offered requests/s (Poisson)", ylabel="answered (200) requests/s",
                title="open loop")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
