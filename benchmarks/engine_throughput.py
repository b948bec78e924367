"""The three engines of benchmarks/serve_load.py without HTTP: asyncio clients in one event
loop await engine.translate() directly, so the figures show what the batching itself does,
apart from the HTTP server's cost and its share of the GIL.

    python benchmarks/engine_throughput.py --export exports/default [--clients 1,8,64,256]
        [--seconds 4] [--texts PAIRS] [--out DIR]
    (writes engine_throughput.json to --out; default: a scratch folder)
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.serve_load import FRA_ENG, load_texts  # noqa: E402
from benchmarks.serve_server import ENGINES, build_engine  # noqa: E402
from runtime.atomic import write_text_atomic  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402



async def closed_loop(engine, texts, clients, seconds):
    """-> (answers per second, median latency ms) of `clients` callers for `seconds`."""
    latencies, stop = [], time.perf_counter() + seconds

    async def client(first):
        index = first
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await engine.translate(texts[index % len(texts)])
            latencies.append(time.perf_counter() - started)
            index += clients

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return len(latencies) / (time.perf_counter() - started), statistics.median(latencies) * 1e3


async def levels(name, engine, texts, args):
    """Every client count in one event loop (an engine may hold loop-bound objects)."""
    found = {}
    for clients in map(int, args.clients.split(",")):
        rate, median = await closed_loop(engine, texts, clients, args.seconds)
        found[clients] = {"per_s": rate, "p50_ms": median}
        print(f"{name:>10} {clients:>4} clients: {rate:8.0f}/s, p50 {median:.2f} ms",
              flush=True)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", default="exports/default")
    parser.add_argument("--clients", default="1,8,64,256")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--texts", default=FRA_ENG, help="pairs file whose first column is "
                        "the input (default: ../shared/data/fra-eng/fra.txt)")
    add_out_argument(parser)
    args = parser.parse_args(argv)
    texts, results = load_texts(args.texts), {}
    for name in ENGINES:
        engine = build_engine(name, args.export)
        results[name] = asyncio.run(levels(name, engine, texts, args))
        engine.close()
    report = {"export": args.export, "seconds": args.seconds, "results": results}
    write_text_atomic(result_path(args.out, "engine_throughput.json"),
                      json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
