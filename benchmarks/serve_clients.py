"""Load generators for benchmarks/serve_load.py: closed-loop clients, Poisson open-loop
arrivals, and the server processes they load. Traffic goes to 127.0.0.1 only; every loop is
bounded in requests and in time, and stops by itself.

A client records, per request: HTTP status (0: no answer within CLIENT_TIMEOUT, or the
connection failed), latency in seconds, and with streaming the time to the first token.
"""

import asyncio
import dataclasses
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

import aiohttp

CLIENT_TIMEOUT = 60.0   # seconds a client waits for one answer before counting it lost
MAX_REQUESTS = 200_000  # per run, whatever the duration: every loop is bounded in count too
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclasses.dataclass
class Result:
    status: int        # 0: no HTTP answer (see error)
    latency: float
    first_token: float | None = None
    error: str | None = None  # with status 0: the client's exception, e.g. a timeout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """benchmarks/serve_server.py in a subprocess: started, waited for, stopped by SIGTERM."""

    def __init__(self, export_dir, engine):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, os.path.join(ROOT, "benchmarks", "serve_server.py"),
                   str(export_dir), "--engine", engine, "--port", str(self.port)]
        # a file, not a pipe: a pipe nobody reads would stall a server that logs a lot
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, cwd=ROOT, stderr=self.log)
        self._wait_ready()

    def _wait_ready(self, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}): "
                                   f"{self._log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in s.recv(100):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server was not ready within {seconds} s")

    def _log_tail(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def rss_mib(self):
        return rss_mib(self.process.pid)

    def stop(self):
        stop_process(self.process)
        self.log.close()


def rss_mib(pid):
    """A process's resident memory in MiB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stop_process(process, seconds=30):
    """SIGTERM, then SIGKILL if it has not exited within `seconds`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _one(session, url, text, stream):
    started = time.perf_counter()
    first = None
    try:
        path = "/translate/stream" if stream else "/translate"
        async with session.post(url + path, json={"text": text}) as response:
            if stream and response.status == 200:
                async for line in response.content:
                    if first is None and line.startswith(b"event: token"):
                        first = time.perf_counter() - started
                    if line.startswith(b"event: error"):
                        return Result(599, time.perf_counter() - started, first)
            else:
                await response.read()
            latency = time.perf_counter() - started
            return Result(response.status, latency,
                          (first if first is not None else latency) if stream else None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        return Result(0, time.perf_counter() - started, error=type(error).__name__)


def _session():
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT))


async def closed_loop(url, texts, clients, seconds, stream=False, warmup=1.0):
    """`clients` callers, each sending its next request when the last is answered, for
    `seconds` after `warmup` seconds -> (results in the measured window, their seconds)."""
    results, order = [], random.Random(clients)
    async with _session() as session:
        start = time.perf_counter()
        measure_from, stop = start + warmup, start + warmup + seconds

        async def client():
            while time.perf_counter() < stop and len(results) < MAX_REQUESTS:
                sent = time.perf_counter()
                result = await _one(session, url, order.choice(texts), stream)
                if sent >= measure_from:
                    results.append(result)

        await asyncio.gather(*(client() for _ in range(clients)))
        return results, time.perf_counter() - measure_from


async def open_loop(url, texts, rate, seconds, seed=0):
    """Poisson arrivals at `rate` per second for `seconds`, whatever the answers; then waits
    (at most CLIENT_TIMEOUT) for every answer -> (results, seconds from first send to last
    answer)."""
    rng = random.Random(seed)
    async with _session() as session:
        tasks, start = [], time.perf_counter()
        next_send = start
        while next_send < start + seconds and len(tasks) < MAX_REQUESTS:
            delay = next_send - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(_one(session, url, rng.choice(texts), False)))
            next_send += rng.expovariate(rate)
        results = await asyncio.gather(*tasks)
        return results, time.perf_counter() - start


async def lone_latencies(url, texts, count):
    """One request at a time (no concurrency): each request's latency."""
    async with _session() as session:
        return [(await _one(session, url, text, False)).latency
                for text in (texts * (count // len(texts) + 1))[:count]]
