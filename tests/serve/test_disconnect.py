"""Over real sockets (uvicorn in a thread): a client that goes away cancels its translations,
whose rows leave the batch long before they would have finished."""

import time

import httpx
import pytest

from tests.serve.conftest import LiveServer, scheduler_app, wait_until

# ~250 steps of 20 ms: about 5 s if nobody stopped it.
LONG = {"strategy": "sample", "min_length": 240, "max_length": 250, "seed": 3}


@pytest.fixture
def server(export_dir):
    app = scheduler_app(export_dir, step_delay=0.02, max_rows=64)
    with LiveServer(app) as server:
        yield server


def test_leaving_a_json_request_cancels_it(server):
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server.url}/translate", json={"texts": ["a cat .", "the dog ."], **LONG},
                   timeout=httpx.Timeout(5.0, read=0.5))
    wait_until(lambda: (server.engine.rows, server.engine.queued) == (0, 0), 2.0,
               "the rows leaving the batch")
    assert time.monotonic() - started < 3.0  # well before the 5 s the requests would take
    wait_until(lambda: 'status="499"' in metrics(server), 2.0, "a 499 in /metrics")


def test_leaving_a_stream_cancels_it(server):
    tokens = 0
    with httpx.stream("POST", f"{server.url}/translate/stream",
                      json={"text": "a cat .", **LONG}, timeout=5.0) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            tokens += line.startswith("event: token")
            if tokens == 3:
                assert server.engine.rows == 1
                break  # leaving the block closes the connection
    wait_until(lambda: server.engine.rows == 0, 2.0, "the stream's row leaving the batch")


def metrics(server):
    return httpx.get(f"{server.url}/metrics").text
