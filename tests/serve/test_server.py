"""python -m serve as a real process: its command-line errors, SIGTERM draining the requests
in flight (and cutting those past the grace period), and a short soak: no errors, and
resident memory that stops growing."""

import concurrent.futures
import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from benchmarks.serve_clients import rss_mib, stop_process
from tests.conftest import ROOT
from tests.serve.conftest import free_port


class ServerProcess:
    """`python -m serve EXPORT_DIR --port P OPTIONS`, its output in a file (a pipe nobody
    reads would fill with access-log lines and stop the server)."""

    def __init__(self, export_dir, log_path, *options):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "serve", str(export_dir), "--port", str(self.port),
                 *options], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"python -m serve did not start: {self.log()}")
            time.sleep(0.1)

    def _answers(self):
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def log(self):
        return self.log_path.read_text()

    def rss_mib(self):
        return rss_mib(self.process.pid)

    def stop(self):
        stop_process(self.process)


@pytest.fixture
def start(export_dir, tmp_path):
    started = []

    def start(*options):
        started.append(ServerProcess(export_dir, tmp_path / f"serve{len(started)}.log",
                                     *options))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.mark.parametrize("arguments, message", [
    (["/no/such/folder"], "error: export folder /no/such/folder does not exist"),
    (["{empty}"], "error: "),
    (["{export}", "--max-texts", "0"], "error: --max-texts must be an integer >= 1, got 0"),
    (["{export}", "--timeout", "nan"], "error: --timeout must be a finite number > 0"),
    (["{export}", "--port", "70000"], "error: --port must be from 1 to 65535"),
    (["{export}", "--unknown", "ignore"], "error: argument --unknown: invalid choice"),
])
def test_bad_arguments_are_one_line_and_status_2(export_dir, tmp_path, arguments, message):
    arguments = [a.format(export=export_dir, empty=tmp_path) for a in arguments]
    done = subprocess.run([sys.executable, "-m", "serve", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr


# 64 rows that may not end before 3000 tokens: about a second or more of decoding.
LONG = {"texts": ["a cat ."] * 64, "strategy": "sample", "min_length": 3000,
        "max_length": 3000, "seed": 1}


def test_sigterm_finishes_the_requests_in_flight_then_exits(start):
    server = start("--max-output-tokens", "20000", "--grace-seconds", "60")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answer = pool.submit(httpx.post, f"{server.url}/translate", json=LONG, timeout=120)
        stream = pool.submit(read_stream, server, {**LONG, "texts": None, "text": "a dog ."})
        while httpx.get(f"{server.url}/ready").json()["rows"] < 65:
            time.sleep(0.01)
        server.process.send_signal(signal.SIGTERM)
        refused_while_in_flight = wait_refused(server) and not answer.done()
        records = answer.result(timeout=120)
        events = stream.result(timeout=120)
    assert refused_while_in_flight, "new connections were still accepted while draining"
    assert records.status_code == 200
    assert [len(r["token_scores"]) for r in records.json()] == [3000] * 64
    assert {name for name, _ in events[:-1]} == {"token"} and events[-1][0] == "result"
    assert len(events[-1][1]["token_scores"]) == 3000
    assert server.process.wait(30) == 0, server.log()


def test_requests_past_the_grace_period_are_cancelled_and_the_process_exits(start):
    server = start("--max-output-tokens", "1000000", "--grace-seconds", "1")
    endless = {**LONG, "min_length": 1000000, "max_length": 1000000}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answer = pool.submit(httpx.post, f"{server.url}/translate", json=endless, timeout=60)
        stream = pool.submit(read_stream, server, {**endless, "texts": None, "text": "a ."})
        while httpx.get(f"{server.url}/ready").json()["rows"] < 65:
            time.sleep(0.01)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0, server.log()
        took = time.monotonic() - signalled
        cut, events = answer.result(timeout=30), stream.result(timeout=30)
    assert took < 10, f"exited {took:.1f} s after SIGTERM with a 1 s grace period"
    assert cut.status_code == 503 and cut.headers["retry-after"] == "1"
    assert cut.json() == {"error": "the server shut down before this request finished"}
    assert events[-1] == ("error", {"error": "the server shut down before this translation "
                                             "finished", "status": 503})
    assert "Traceback" not in server.log()


def test_soak_no_errors_and_memory_that_stops_growing(start):
    """15 s of mixed requests from 4 clients; resident memory is sampled after 5 s."""
    server = start()
    bodies = [{"text": "the cat sees a dog ."}, {"texts": ["big red dog .", "", "a zebra !"]},
              {"text": "a small cat .", "strategy": "beam", "beam_width": 4, "n_best": 2},
              {"text": "the dog likes the cat .", "strategy": "sample", "seed": 5},
              {"text": "blue cat .", "scores": True}]
    statuses, samples = [], []

    def client(number, until):
        with httpx.Client(base_url=server.url, timeout=30) as session:
            count = number
            while time.monotonic() < until:
                body = bodies[count % len(bodies)]
                if count % 7 == 0:
                    events = read_stream(server, {**body, "texts": None,
                                                  "text": body.get("text", "a")})
                    statuses.append(200 if events[-1][0] == "result" else events[-1])
                else:
                    statuses.append(session.post("/translate", json=body).status_code)
                count += 1
                time.sleep(0.005)

    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        clients = [pool.submit(client, n, began + 15) for n in range(4)]
        time.sleep(5)
        samples.append(server.rss_mib())
        for done in clients:
            done.result()
    samples.append(server.rss_mib())
    errors = [status for status in statuses if status != 200]
    assert len(statuses) > 500 and errors == []
    growth = samples[-1] - samples[0]
    assert growth < 10, f"resident memory grew {growth:.1f} MiB (from {samples[0]:.0f})"


def read_stream(server, body):
    """-> [(event, data)] of a whole /translate/stream answer (None fields dropped)."""
    body = {key: value for key, value in body.items() if value is not None}
    events = []
    with httpx.stream("POST", f"{server.url}/translate/stream", json=body,
                      timeout=120) as response:
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    return events




def wait_refused(server, seconds=5.0):
    """True once a new connection is refused (the listening socket closed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{server.url}/health", timeout=0.5)
        except httpx.ConnectError:
            return True
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    return False
