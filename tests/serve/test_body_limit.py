"""A body over --max-body-bytes is refused with 413 before it is read whole: at once from its
Content-Length, or, without one (chunked), as soon as the bytes read pass the limit."""

import asyncio
import json

from fastapi.testclient import TestClient

from serve.app import create_app
from serve.config import Limits
from tests.serve.fakes import FakeEngine

LIMIT = 1000


def client_of(engine):
    return TestClient(create_app(engine, Limits(max_body_bytes=LIMIT)),
                      raise_server_exceptions=False)


def test_a_declared_length_over_the_limit_is_refused_unread():
    engine = FakeEngine()
    body = json.dumps({"text": "a" * LIMIT}).encode()
    with client_of(engine) as client:
        answer = client.post("/translate", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json() == {"error": f"request body too large: {len(body)} bytes, at most "
                                      f"{LIMIT} (--max-body-bytes)"}
    assert engine.submitted == []


def test_a_chunked_body_is_counted_and_refused_once_over_the_limit():
    engine = FakeEngine()

    def chunks():  # no Content-Length: the client sends Transfer-Encoding: chunked
        yield b'{"text": "'
        for _ in range(100):
            yield b"a" * 100
        yield b'"}'

    with client_of(engine) as client:
        answer = client.post("/translate", content=chunks(),
                             headers={"Content-Type": "application/json"})
        small = client.post("/translate", content=iter([b'{"text": ', b'"a b"}']),
                            headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"] == (f"request body too large: over {LIMIT} bytes, at most "
                                      f"{LIMIT} (--max-body-bytes)")
    assert engine.submitted[0]["text"] == "a b" and len(engine.submitted) == 1
    assert small.status_code == 200


def test_bodies_at_the_limit_and_streams_are_accepted():
    body = json.dumps({"text": "a" * (LIMIT - 12)}).encode()
    assert len(body) == LIMIT
    with client_of(FakeEngine()) as client:
        assert client.post("/translate", content=body,
                           headers={"Content-Type": "application/json"}).status_code == 200
        assert client.post("/translate/stream", content=body + b" ",
                           headers={"Content-Type": "application/json"}).status_code == 413


def test_reading_stops_at_the_chunk_that_passes_the_limit():
    """Driven over ASGI with an endless body: the app reads 11 chunks of 100 bytes, no more."""
    reads, sent = [], []

    async def receive():
        reads.append(1)
        return {"type": "http.request", "body": b"a" * 100, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/translate", "raw_path": b"/translate",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80), "headers": [(b"content-type", b"application/json")]}
    asyncio.run(create_app(FakeEngine(), Limits(max_body_bytes=LIMIT))(scope, receive, send))
    assert len(reads) == LIMIT // 100 + 1
    assert sent[0]["status"] == 413
