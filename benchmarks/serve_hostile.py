"""Hostile clients against a running server on 127.0.0.1: seeded random requests of every
kind below (random and deeply nested JSON, wrong types, oversized bodies and lists, bad
options, random bytes, random paths and methods, broken HTTP, connections dropped mid-body
or mid-answer), a few at a time, bounded in count and time.

    python benchmarks/serve_hostile.py --export exports/default [--requests 1000] [--rounds 2]

starts `python -m serve`'s app (benchmarks/serve_server.py, engine step), sends them (each
round with new seeds), and records every status, the server's RSS before and after each
round, and its batch rows and queue afterwards (GET /metrics) in serve_hostile.json in --out DIR
(default: a scratch folder).
tests/serve/test_hostile.py runs the same kinds, CI-sized, against a server in process.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import random
import socket
import sys
import time

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from serve.schemas import DECODING_OPTIONS  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402

WORDS = "the a cat dog sees likes big small red blue zebra . !".split()
ODD = ["", " ", "\x00", "\ud800", "e\u0301\u0301", "👍🏽🇫🇷", "\u202eevil", "مرحبا",
       "\t\n"]


def run_hostile(target, count, seed, threads=8):
    """target: anything with .url and .port (127.0.0.1). -> [(kind name, HTTP status or
    None)], one per request (None: no answer, as some kinds intend)."""
    rng = random.Random(seed)
    cases = [rng.choice(KINDS) for _ in range(count)]
    seeds = [rng.randrange(2**32) for _ in range(count)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda pair: (pair[0].__name__,
                                           pair[0](target, random.Random(pair[1]))),
                             zip(cases, seeds)))


def server_errors(outcomes):
    """The outcomes that are neither < 500 nor 503 (what a hostile client must never get)."""
    return [(kind, status) for kind, status in outcomes
            if status is not None and not (status < 500 or status == 503)]


# Each kind sends one request and returns its HTTP status (None: no answer, by design).

def random_json(target, rng):
    return post(target, json.dumps(value(rng, 3)).encode())


def deeply_nested(target, rng):
    depth = rng.randint(1000, 200_000)
    opening, closing = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    return post(target, b'{"text": ' + opening * depth + b"1" + closing * depth + b"}")


def wrong_types(target, rng):
    body = {rng.choice(["text", "texts", "max_length", "scores", *DECODING_OPTIONS]):
            value(rng, 1) for _ in range(rng.randint(1, 4))}
    return post(target, json.dumps(body).encode())


def oversized(target, rng):
    choice = rng.randrange(3)
    if choice == 0:
        body = {"texts": [sentence(rng)] * rng.randint(9, 500)}
    elif choice == 1:
        body = {"text": "a " * rng.randint(101, 9000)}
    else:
        body = {"text": "x", "pad": "y" * rng.randint(20_000, 200_000)}
    return post(target, json.dumps(body).encode())


def bad_options(target, rng):
    body = {"text": sentence(rng)}
    for name in rng.sample(DECODING_OPTIONS + ("max_length",), rng.randint(1, 4)):
        body[name] = rng.choice([-1, 0, 1, 2, 5, 300, 2**70, -2.5, 0.5, 1e308, "beam", "sample",
                                 "greedy", None, True])
    return post(target, json.dumps(body).encode(), rng.choice(["/translate",
                                                                "/translate/stream"]))


def random_bytes(target, rng):
    return post(target, rng.randbytes(rng.randint(0, 3000)),
                headers={"Content-Type": rng.choice(["application/json", "text/plain",
                                                     "application/x-www-form-urlencoded"])})


def valid_but_odd(target, rng):
    texts = [rng.choice(ODD) + sentence(rng) + rng.choice(ODD)
             for _ in range(rng.randint(1, 8))]
    body = {"texts": texts} if rng.random() < 0.5 else {"text": texts[0]}
    body.update(rng.choice([{}, {"scores": True}, {"strategy": "beam", "beam_width": 3},
                            {"strategy": "sample", "seed": rng.randrange(100)}]))
    return post(target, json.dumps(body).encode())


def random_route(target, rng):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    path = rng.choice(["/translate", "/translate/stream", "/health", "/metrics", "/x",
                       "/" + "".join(rng.choice("abc/%.?&=") for _ in range(20))])
    return request(target, method, path, content=b'{"text": "a"}')


def broken_http(target, rng):
    """Bytes that are not HTTP, or a request cut off in its headers, then the socket
    closes. The status is whatever came back, if anything."""
    raw = rng.choice([rng.randbytes(rng.randint(1, 500)),
                      b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Le",
                      b"GET / HTTP/9.9\r\n\r\n",
                      b"POST /translate HTTP/1.1\r\nContent-Length: -5\r\n\r\n"])
    return raw_exchange(target, raw)


def dropped_mid_body(target, rng):
    body = json.dumps({"text": sentence(rng)}).encode()
    head = (f"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) + 500}\r\n\r\n").encode()
    return raw_exchange(target, head + body, read=False)


def dropped_mid_answer(target, rng):
    """A long translation or stream, abandoned after the request was sent."""
    body = json.dumps({"text": sentence(rng), "strategy": "sample", "min_length": 200,
                       "max_length": 210}).encode()
    path = rng.choice(["/translate", "/translate/stream"])
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return raw_exchange(target, head + body, read=False)


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


def post(target, body, path="/translate", headers=None):
    return request(target, "POST", path, content=body,
                   headers=headers or {"Content-Type": "application/json"})


def request(target, method, path, **options):
    try:
        return httpx.request(method, target.url + path, timeout=20, **options).status_code
    except httpx.RemoteProtocolError:  # the server closed the connection (bad HTTP)
        return None
    except httpx.WriteError:  # refused with 413 while the body was still being sent
        return None


def raw_exchange(target, raw, read=True):
    """Send raw bytes on a new connection; -> the status of the answer, or None."""
    with socket.create_connection(("127.0.0.1", target.port), timeout=10) as connection:
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


def _gauge(metrics, name):
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return float("nan")


def main(argv=None):
    from benchmarks.serve_clients import Server
    from runtime.atomic import write_text_atomic

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", default="exports/default")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--rounds", type=int, default=2, help="send the requests this many "
                        "times (new seeds), recording RSS after each: growth that stops "
                        "after the first round is the allocator's, not a leak")
    add_out_argument(parser)
    args = parser.parse_args(argv)
    server = Server(args.export, "step")
    try:
        rss_before, outcomes, rss_after_rounds = server.rss_mib(), [], []
        started = time.perf_counter()
        for round_ in range(args.rounds):
            outcomes += run_hostile(server, args.requests, args.seed + round_)
            rss_after_rounds.append(server.rss_mib())
        seconds = time.perf_counter() - started
        time.sleep(2)  # abandoned requests' rows leave at their next step
        metrics = httpx.get(server.url + "/metrics", timeout=10).text
        report = {"export": args.export, "requests": len(outcomes), "seed": args.seed,
                  "rounds": args.rounds, "rss_after_rounds_mib": rss_after_rounds,
                  "seconds": seconds, "statuses": dict(collections.Counter(
                      str(status) for _, status in outcomes)),
                  "by_kind": {kind: dict(collections.Counter(str(s) for k, s in outcomes
                                                             if k == kind))
                              for kind in sorted({k for k, _ in outcomes})},
                  "server_errors": len(server_errors(outcomes)),
                  "alive_after": httpx.get(server.url + "/health", timeout=10).status_code == 200,
                  "rows_after": _gauge(metrics, "seq2seq_running_rows"),
                  "queued_after": _gauge(metrics, "seq2seq_queued_requests"),
                  "rss_before_mib": rss_before, "rss_after_mib": server.rss_mib()}
    finally:
        server.stop()
    write_text_atomic(result_path(args.out, "serve_hostile.json"), json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "by_kind"}))
    return 0 if report["server_errors"] == 0 and report["alive_after"] else 1


if __name__ == "__main__":
    sys.exit(main())
