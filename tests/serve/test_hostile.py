"""Hostile clients against a real server (uvicorn in a thread, the real Scheduler): 240
seeded random requests of every kind benchmarks/serve_hostile.py sends (its full run sends
1,000 to `python -m serve`'s app), 8 at a time. Every answer is 2xx, 4xx or 503 (never 500
or 504), the server keeps serving, and afterwards no rows or queued requests are left."""

import httpx
import pytest

from benchmarks.serve_hostile import run_hostile, server_errors
from serve.config import Limits
from tests.serve.conftest import LiveServer, scheduler_app, wait_until

CASES, SEED = 240, 2024
LIMITS = Limits(max_texts=8, max_text_chars=200, max_body_bytes=20_000, timeout=20)


@pytest.fixture(scope="module")
def server(export_dir):
    with LiveServer(scheduler_app(export_dir, LIMITS, max_queue=32)) as server:
        yield server


def test_hostile_clients_get_4xx_or_503_and_leave_nothing_behind(server):
    outcomes = run_hostile(server, CASES, SEED)
    assert len({kind for kind, _ in outcomes}) >= 10  # nearly every kind was tried
    bad = server_errors(outcomes)
    assert bad == [], f"server errors: {bad[:10]}"
    assert httpx.get(f"{server.url}/health").status_code == 200
    assert httpx.post(f"{server.url}/translate", json={"text": "a cat ."}).status_code == 200
    wait_until(lambda: (server.engine.rows, server.engine.queued) == (0, 0), 10.0,
               "an idle scheduler")
    assert server.thread.is_alive()
