"""Hostile clients against a real server (uvicorn in a thread, the real Scheduler): 240
seeded random requests, sent 8 at a time: random and deeply nested JSON, wrong types,
oversized bodies and lists, bad options, random bytes, random paths and methods, broken
HTTP, connections dropped mid-body or mid-answer. Every answer is 2xx, 4xx or 503 (never
500 or 504), the server keeps serving, and afterwards no rows or queued requests are left."""

import concurrent.futures
import json
import random
import socket

import httpx
import pytest

from serve.config import Limits
from serve.schemas import DECODING_OPTIONS
from tests.serve.conftest import LiveServer, scheduler_app, wait_until

CASES, SEED = 240, 2024
LIMITS = Limits(max_texts=8, max_text_chars=200, max_body_bytes=20_000, timeout=20)
WORDS = "the a cat dog sees likes big small red blue zebra . !".split()
ODD = ["", " ", "\x00", "\ud800", "e\u0301\u0301", "👍🏽🇫🇷", "\u202eevil", "مرحبا",
       "\t\n"]


@pytest.fixture(scope="module")
def server(export_dir):
    with LiveServer(scheduler_app(export_dir, LIMITS, max_queue=32)) as server:
        yield server


def test_hostile_clients_get_4xx_or_503_and_leave_nothing_behind(server):
    rng = random.Random(SEED)
    cases = [rng.choice(KINDS) for _ in range(CASES)]
    seeds = [rng.randrange(2**32) for _ in range(CASES)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda pair: (pair[0].__name__,
                                               pair[0](server, random.Random(pair[1]))),
                                 zip(cases, seeds)))
    bad = [(kind, status) for kind, status in outcomes
           if status is not None and not (status < 500 or status == 503)]
    assert bad == [], f"server errors: {bad[:10]}"
    assert httpx.get(f"{server.url}/health").status_code == 200
    assert httpx.post(f"{server.url}/translate", json={"text": "a cat ."}).status_code == 200
    wait_until(lambda: (server.engine.rows, server.engine.queued) == (0, 0), 10.0,
               "an idle scheduler")
    assert server.thread.is_alive()


# Each kind sends one request and returns its HTTP status (None: no answer, by design).

def random_json(server, rng):
    return post(server, json.dumps(value(rng, 3)).encode())


def deeply_nested(server, rng):
    depth = rng.randint(1000, 200_000)
    opening, closing = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    return post(server, b'{"text": ' + opening * depth + b"1" + closing * depth + b"}")


def wrong_types(server, rng):
    body = {rng.choice(["text", "texts", "max_length", "scores", *DECODING_OPTIONS]):
            value(rng, 1) for _ in range(rng.randint(1, 4))}
    return post(server, json.dumps(body).encode())


def oversized(server, rng):
    choice = rng.randrange(3)
    if choice == 0:
        body = {"texts": [sentence(rng)] * rng.randint(9, 500)}
    elif choice == 1:
        body = {"text": "a " * rng.randint(101, 9000)}
    else:
        body = {"text": "x", "pad": "y" * rng.randint(20_000, 200_000)}
    return post(server, json.dumps(body).encode())


def bad_options(server, rng):
    body = {"text": sentence(rng)}
    for name in rng.sample(DECODING_OPTIONS + ("max_length",), rng.randint(1, 4)):
        body[name] = rng.choice([-1, 0, 1, 2, 5, 300, 2**70, -2.5, 0.5, 1e308, "beam", "sample",
                                 "greedy", None, True])
    return post(server, json.dumps(body).encode(), rng.choice(["/translate",
                                                                "/translate/stream"]))


def random_bytes(server, rng):
    return post(server, rng.randbytes(rng.randint(0, 3000)),
                headers={"Content-Type": rng.choice(["application/json", "text/plain",
                                                     "application/x-www-form-urlencoded"])})


def valid_but_odd(server, rng):
    texts = [rng.choice(ODD) + sentence(rng) + rng.choice(ODD)
             for _ in range(rng.randint(1, 8))]
    body = {"texts": texts} if rng.random() < 0.5 else {"text": texts[0]}
    body.update(rng.choice([{}, {"scores": True}, {"strategy": "beam", "beam_width": 3},
                            {"strategy": "sample", "seed": rng.randrange(100)}]))
    return post(server, json.dumps(body).encode())


def random_route(server, rng):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    path = rng.choice(["/translate", "/translate/stream", "/health", "/metrics", "/x",
                       "/" + "".join(rng.choice("abc/%.?&=") for _ in range(20))])
    return request(server, method, path, content=b'{"text": "a"}')


def broken_http(server, rng):
    """Bytes that are not HTTP, or a request cut off in its headers, then the socket
    closes. The status is whatever came back, if anything."""
    raw = rng.choice([rng.randbytes(rng.randint(1, 500)),
                      b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Le",
                      b"GET / HTTP/9.9\r\n\r\n",
                      b"POST /translate HTTP/1.1\r\nContent-Length: -5\r\n\r\n"])
    return raw_exchange(server, raw)


def dropped_mid_body(server, rng):
    body = json.dumps({"text": sentence(rng)}).encode()
    head = (f"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) + 500}\r\n\r\n").encode()
    return raw_exchange(server, head + body, read=False)


def dropped_mid_answer(server, rng):
    """A long translation or stream, abandoned after the request was sent."""
    body = json.dumps({"text": sentence(rng), "strategy": "sample", "min_length": 200,
                       "max_length": 210}).encode()
    path = rng.choice(["/translate", "/translate/stream"])
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return raw_exchange(server, head + body, read=False)


KINDS = [random_json, deeply_nested, wrong_types, oversized, bad_options, random_bytes,
         valid_but_odd, random_route, broken_http, dropped_mid_body, dropped_mid_answer]


def sentence(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))


def value(rng, depth):
    """A random JSON value."""
    kinds = ["int", "float", "str", "bool", "null"] + (["list", "dict"] if depth else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 1, 7, 2**31, 2**80, -(2**63)])
    if kind == "float":
        return rng.choice([0.0, -0.5, 1e-300, 1e300, 3.14])
    if kind == "str":
        return rng.choice(ODD + [sentence(rng), "x" * rng.randint(0, 300)])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [value(rng, depth - 1) for _ in range(rng.randint(0, 5))]
    return {rng.choice(["text", "texts", "seed", "k", ""]): value(rng, depth - 1)
            for _ in range(rng.randint(0, 5))}


def post(server, body, path="/translate", headers=None):
    return request(server, "POST", path, content=body,
                   headers=headers or {"Content-Type": "application/json"})


def request(server, method, path, **options):
    try:
        return httpx.request(method, server.url + path, timeout=20, **options).status_code
    except httpx.RemoteProtocolError:  # the server closed the connection (bad HTTP)
        return None
    except httpx.WriteError:  # refused with 413 while the body was still being sent
        return None


def raw_exchange(server, raw, read=True):
    """Send raw bytes on a new connection; -> the status of the answer, or None."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        try:
            connection.sendall(raw)
            if not read:
                return None
            connection.shutdown(socket.SHUT_WR)
            answer = connection.recv(64)
        except OSError:
            return None
    parts = answer.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None
