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
from runtime import Translator  # noqa: E402
from serve.app import create_app  # noqa: E402
from serve.config import EngineSettings, Limits  # noqa: E402
from serve.engine import SchedulerEngine  # noqa: E402
from serve.metrics import Metrics  # noqa: E402
from serve.server import run  # noqa: E402

ENGINES = ("step", "microbatch", "naive")
# The engines' settings, with the defaults both benchmarks use.
DEFAULTS = {"max_rows": 256, "max_queue": 1024, "max_batch": 64, "wait_ms": 5.0,
            "pool_threads": 8}


def build_engine(name, export_dir, on_step=None, **settings):
    """An engine of serve/engine.py's interface; settings: DEFAULTS' names."""
    settings = {**DEFAULTS, **settings}
    if name == "step":  # what `python -m serve` runs (serve.server.load_app)
        return SchedulerEngine.load(EngineSettings(str(export_dir),
                                                   max_rows=settings["max_rows"],
                                                   max_queue=settings["max_queue"]), on_step)
    translator = Translator.load(export_dir)
    if name == "microbatch":
        return MicroBatchEngine(translator, max_batch=settings["max_batch"],
                                wait_ms=settings["wait_ms"], max_queue=settings["max_queue"])
    return NaiveEngine(translator, threads=settings["pool_threads"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir")
    parser.add_argument("--engine", choices=ENGINES, default="step")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-rows", type=int, default=DEFAULTS["max_rows"],
                        help="step: batch rows at most")
    parser.add_argument("--max-queue", type=int, default=DEFAULTS["max_queue"],
                        help="step, microbatch: waiting requests at most (then 503)")
    parser.add_argument("--max-batch", type=int, default=DEFAULTS["max_batch"],
                        help="microbatch: batch size")
    parser.add_argument("--wait-ms", type=float, default=DEFAULTS["wait_ms"],
                        help="microbatch: how long the first request waits for company")
    parser.add_argument("--pool-threads", type=int, default=DEFAULTS["pool_threads"],
                        help="naive: thread pool size")
    args = parser.parse_args(argv)
    metrics = Metrics()
    engine = build_engine(args.engine, args.export_dir, metrics.observe_step,
                          **{name: getattr(args, name) for name in DEFAULTS})
    app = create_app(engine, Limits(), metrics, grace_seconds=5.0)
    run(app, "127.0.0.1", args.port, grace_seconds=5.0, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
