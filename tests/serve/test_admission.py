"""While the engine's queue is full, translation requests are refused at the door: 503 with
Retry-After, their body never read or validated; other routes still answer."""

from fastapi.testclient import TestClient

from serve.app import create_app
from serve.config import Limits
from tests.serve.fakes import FakeEngine


def test_a_full_queue_refuses_before_reading_the_body():
    engine = FakeEngine()
    engine.overloaded, engine.queued = True, 1024
    with TestClient(create_app(engine, Limits(retry_after=3)),
                    raise_server_exceptions=False) as client:
        for path in ("/translate", "/translate/stream"):
            answer = client.post(path, content=b"{not json at all",
                                 headers={"Content-Type": "application/json"})
            assert answer.status_code == 503 and answer.headers["retry-after"] == "3"
            assert answer.json() == {"error": "overloaded: 1024 requests are waiting; "
                                              "retry in 3 s"}
        assert client.get("/health").status_code == 200
        assert "seq2seq_http_requests_total" in client.get("/metrics").text
    assert engine.submitted == []


def test_requests_pass_when_the_queue_has_room():
    engine = FakeEngine()
    engine.overloaded = False
    with TestClient(create_app(engine)) as client:
        assert client.post("/translate", json={"text": "a b"}).json()["output"] == "B A"
