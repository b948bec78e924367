"""One of the three servers benchmarks/serve_load.py compares, on 127.0.0.1: the same HTTP
app (serve/app.py) over a different engine.

    python benchmarks/serve_server.py EXPORT_DIR --engine step|microbatch|naive --port P

step: runtime.Scheduler (what `python -m serve` runs); microbatch and naive: see
benchmarks/serve_engines.py.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.serve_engines import MicroBatchEngine, NaiveEngine  # noqa: E402
from runtime import Scheduler, Translator  # noqa: E402
from serve.app import create_app  # noqa: E402
from serve.config import Limits  # noqa: E402
from serve.engine import SchedulerEngine  # noqa: E402
from serve.metrics import Metrics  # noqa: E402
from serve.server import run  # noqa: E402

ENGINES = ("step", "microbatch", "naive")


def build_engine(name, translator, metrics, args):
    if name == "step":  # what `python -m serve` runs
        return SchedulerEngine(Scheduler(translator, max_rows=args.max_rows,
                                         max_queue=args.max_queue,
                                         on_step=metrics.observe_step))
    if name == "microbatch":
        return MicroBatchEngine(translator, max_batch=args.max_batch, wait_ms=args.wait_ms,
                                max_queue=args.max_queue)
    return NaiveEngine(translator, threads=args.pool_threads)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export_dir")
    parser.add_argument("--engine", choices=ENGINES, default="step")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-rows", type=int, default=256, help="step: batch rows at most")
    parser.add_argument("--max-queue", type=int, default=1024,
                        help="step, microbatch: waiting requests at most (then 503)")
    parser.add_argument("--max-batch", type=int, default=64, help="microbatch: batch size")
    parser.add_argument("--wait-ms", type=float, default=5.0,
                        help="microbatch: how long the first request waits for company")
    parser.add_argument("--pool-threads", type=int, default=8, help="naive: thread pool size")
    args = parser.parse_args(argv)
    translator = Translator.load(args.export_dir)
    metrics = Metrics()
    engine = build_engine(args.engine, translator, metrics, args)
    app = create_app(engine, Limits(), metrics, grace_seconds=5.0)
    run(app, "127.0.0.1", args.port, grace_seconds=5.0, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
