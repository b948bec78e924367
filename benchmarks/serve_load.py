"""Serving load: step-level batching against a thread pool of Translator calls and
request-level micro-batching, behind the same HTTP app, on 127.0.0.1.

    python benchmarks/serve_load.py --export exports/default [--out DIR] [--seconds 6]
        [--clients 1,8,64,256] [--rates 0.25,0.5,1,2] [--soak-minutes 10]

1. A lone request in process: Translator.translate against Scheduler.translate, interleaved;
   and over HTTP, one request at a time to the three servers, interleaved.
2. For each server ((a) naive, (b) micro-batching, (c) step-level; benchmarks/serve_server.py,
   each in its own process): a closed loop at each client count (POST /translate, then
   POST /translate/stream for the time to first token), then an open loop with Poisson
   arrivals at the given multiples of (c)'s saturation (its best closed-loop throughput).
3. With --soak-minutes: (c) at half its saturation for that long; its RSS and errors.
Writes serve_load.json, .md and .png into --out DIR (default: a scratch folder; the
Makefile passes benchmarks/results).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.serve_clients import (Server, closed_loop, lone_latencies,  # noqa: E402
                                      open_loop)
from benchmarks.serve_report import summarise, write_report  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402

ENGINES = {"naive": "(a) naive thread pool", "microbatch": "(b) request-level micro-batching",
           "step": "(c) step-level batching"}
FRA_ENG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..",
                       "shared", "data", "fra-eng", "fra.txt")


def load_texts(path, count=2000):
    """English sides of pairs spread over the whole file (short and long sentences)."""
    if not os.path.isfile(path):
        raise SystemExit(f"error: no pairs file at {path}: pass one with --texts (a "
                         f"tab-separated file whose first column is the input)")
    with open(path, encoding="utf-8") as file:
        lines = [line.split("\t")[0] for line in file if "\t" in line]
    step = max(1, len(lines) // count)
    return [line for line in lines[::step][:count] if line.strip()]


def lone_in_process(export_dir, texts, count):
    """Median seconds of Translator.translate and Scheduler.translate on the same texts,
    alternating, one request at a time."""
    from runtime import Scheduler, Translator

    translator = Translator.load(export_dir)
    with Scheduler(translator) as scheduler:
        direct, scheduled = [], []
        for text in (texts * (count // len(texts) + 1))[:count]:
            for call, times in ((translator.translate, direct), (scheduler.translate, scheduled)):
                started = time.perf_counter()
                call(text)
                times.append(time.perf_counter() - started)
    return {"translator_ms": statistics.median(direct) * 1e3,
            "scheduler_ms": statistics.median(scheduled) * 1e3,
            "ratio": statistics.median(scheduled) / statistics.median(direct), "requests": count}


def lone_over_http(export_dir, texts, engines, count):
    """Median ms of one request at a time to each server, the servers up together and the
    requests interleaved (a, b, c, a, b, c, ...), so that the machine's drift hits all."""
    servers = {engine: Server(export_dir, engine) for engine in engines}
    try:
        latencies = {engine: [] for engine in engines}
        for start in range(0, count, 10):
            for engine, server in servers.items():
                latencies[engine] += asyncio.run(lone_latencies(server.url,
                                                                texts[start:start + 10], 10))
        return {engine: statistics.median(found) * 1e3 for engine, found in latencies.items()}
    finally:
        for server in servers.values():
            server.stop()


def closed_runs(url, texts, clients, seconds):
    runs = []
    for count in clients:
        results, elapsed = asyncio.run(closed_loop(url, texts, count, seconds))
        streamed, stream_elapsed = asyncio.run(closed_loop(url, texts, count, seconds / 2,
                                                           stream=True, warmup=0.5))
        runs.append({"clients": count, **summarise(results, elapsed),
                     "first_token": summarise(streamed, stream_elapsed)})
        print(f"  {count:>4} clients: {runs[-1]['throughput']:8.1f} req/s, "
              f"p50 {runs[-1]['p50_ms']:.1f} ms, p99 {runs[-1]['p99_ms']:.1f} ms, "
              f"first token p50 {runs[-1]['first_token']['first_token_p50_ms']:.1f} ms",
              flush=True)
    return runs


def open_runs(url, texts, rates, seconds):
    runs = []
    for rate in rates:
        results, elapsed = asyncio.run(open_loop(url, texts, rate, seconds))
        runs.append({"offered_per_s": rate, **summarise(results, elapsed)})
        print(f"  {rate:8.1f}/s offered: {runs[-1]['throughput']:8.1f} answered/s, "
              f"503 {runs[-1]['refused']}, lost {runs[-1]['lost']}, "
              f"p99 {runs[-1]['p99_ms']:.1f} ms", flush=True)
    return runs


def soak(export_dir, texts, rate, minutes):
    server = Server(export_dir, "step")
    try:
        # warm-up: a minute at the same rate, for the allocators (onnxruntime's arena keeps
        # its high-water mark) to reach their working set; the curve is recorded after it
        asyncio.run(open_loop(server.url, texts, rate, 60))
        start_rss, samples, errors, answered = server.rss_mib(), [], 0, 0
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            results, _ = asyncio.run(open_loop(server.url, texts, rate,
                                               min(30, deadline - time.monotonic())))
            errors += sum(r.status != 200 for r in results)
            answered += len(results)
            samples.append(server.rss_mib())
        return {"minutes": minutes, "rate_per_s": rate, "requests": answered,
                "errors": errors, "rss_start_mib": start_rss, "rss_end_mib": samples[-1],
                "rss_growth_mib": samples[-1] - start_rss, "rss_samples_mib": samples}
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", default="exports/default")
    parser.add_argument("--texts", default=FRA_ENG, help="pairs file whose first column is "
                        "the input (default: ../shared/data/fra-eng/fra.txt)")
    add_out_argument(parser)  # serve_load.json, .md and .png go there
    parser.add_argument("--seconds", type=float, default=6.0, help="per closed-loop level")
    parser.add_argument("--open-seconds", type=float, default=8.0, help="per open-loop rate")
    parser.add_argument("--clients", default="1,8,64,256")
    parser.add_argument("--rates", default="0.25,0.5,1,2",
                        help="open loop: multiples of (c)'s saturation throughput")
    parser.add_argument("--engines", default="step,microbatch,naive")
    parser.add_argument("--lone", type=int, default=400, help="in-process lone requests")
    parser.add_argument("--soak-minutes", type=float, default=0.0)
    args = parser.parse_args(argv)
    texts = load_texts(args.texts)
    clients = [int(c) for c in args.clients.split(",")]
    engines = args.engines.split(",")
    if engines[0] != "step":
        parser.error("--engines must start with step: its saturation sets the open-loop rates")
    report = {"export": args.export, "texts": len(texts), "clients": clients,
              "seconds": args.seconds, "open_seconds": args.open_seconds,
              "cpu_count": os.cpu_count(), "servers": {}}
    report["lone_in_process"] = lone_in_process(args.export, texts, args.lone)
    print(f"lone request in process: {report['lone_in_process']}", flush=True)
    report["lone_http_ms"] = lone_over_http(args.export, texts, engines, args.lone)
    print(f"lone request over HTTP (median ms): {report['lone_http_ms']}", flush=True)
    saturation = None
    for engine in engines:
        print(f"{ENGINES[engine]}:", flush=True)
        server = Server(args.export, engine)
        try:
            closed = closed_runs(server.url, texts, clients, args.seconds)
            if saturation is None:
                saturation = max(run["throughput"] for run in closed)
                report["saturation_per_s"] = saturation
            rates = [float(m) * saturation for m in args.rates.split(",")]
            report["servers"][engine] = {
                "label": ENGINES[engine], "closed": closed,
                "open": open_runs(server.url, texts, rates, args.open_seconds),
                "rss_mib": server.rss_mib()}
        finally:
            server.stop()
    if args.soak_minutes:
        report["soak"] = soak(args.export, texts, saturation / 2, args.soak_minutes)
        print(f"soak: {report['soak']}", flush=True)
    prefix = result_path(args.out, "serve_load")
    write_report(report, prefix)
    print(f"wrote {prefix}.json, .md, .png")


if __name__ == "__main__":
    main()
