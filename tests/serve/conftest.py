"""Fixtures of tests/serve: the app around the real Scheduler on a tiny export, and a real
uvicorn server in a thread of this process (so a test can look at the engine it serves)."""

import os
import threading
import time

import pytest
import uvicorn

from benchmarks.serve_clients import free_port  # noqa: F401 - tests/serve import it from here
from runtime import Translator
from serve.app import create_app
from serve.config import EngineSettings, Limits
from serve.engine import SchedulerEngine
from serve.metrics import Metrics

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

# The word model with Luong attention writes real outputs (tests/conftest.py SPEED_UPS_RUN).
KIND = "word-luong"


@pytest.fixture(scope="session")
def export_dir(exports):
    return exports[KIND][0]


@pytest.fixture(scope="session")
def translator(export_dir):
    return Translator.load(export_dir)


def scheduler_app(export_dir, limits=None, step_delay=0.0, grace_seconds=5.0, **settings):
    """create_app around a SchedulerEngine; step_delay seconds of sleep after every decoder
    step (in the on_step callback) make requests last long enough to be caught running."""
    metrics = Metrics()

    def on_step(rows):
        metrics.observe_step(rows)
        if step_delay:
            time.sleep(step_delay)

    engine = SchedulerEngine.load(EngineSettings(str(export_dir), **settings), on_step=on_step)
    return create_app(engine, limits or Limits(), metrics, grace_seconds)


class LiveServer:
    """uvicorn serving `app` on 127.0.0.1 from a thread: `with LiveServer(app) as server:`
    (server.url); leaving the block shuts it down, lifespan included (the engine closes)."""

    def __init__(self, app):
        self.app, self.port = app, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(20)
        assert not self.thread.is_alive(), "uvicorn did not stop"

    @property
    def engine(self):
        return self.app.state.service.engine


def wait_until(condition, seconds=5.0, what="the condition"):
    """Poll `condition()` until true; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {seconds} s")
        time.sleep(0.01)
