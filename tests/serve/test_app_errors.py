"""The app's answers to every class of bad request and failure, around a FakeEngine (no
model): the status, the {"error"} text, Retry-After, and that refused or abandoned work is
cancelled."""

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from runtime import DeadlineExceeded, InputError, Overloaded, SchedulerClosed, StepFailed
from serve.app import create_app
from serve.config import Limits
from tests.serve.fakes import FakeEngine, translation


def client_of(engine, **limits):
    return TestClient(create_app(engine, Limits(**limits)), raise_server_exceptions=False)


def test_a_text_and_a_list_are_answered_with_records():
    engine = FakeEngine()
    with client_of(engine) as client:
        one = client.post("/translate", json={"text": "a b"})
        many = client.post("/translate", json={"texts": ["a b", "c"], "max_length": 7})
    assert one.status_code == 200
    assert one.json() == {"input": "a b", "output": "B A", "unknown": [], "truncated": False}
    assert [r["output"] for r in many.json()] == ["B A", "C"]
    assert engine.submitted[-1]["max_length"] == 7 and engine.submitted[-1]["timeout"] == 30.0
    (drain, timeout), = engine.closed  # the lifespan's shutdown drained the engine
    assert drain is True and 0 < timeout <= 30


@pytest.mark.parametrize("body, status, message", [
    (b'{"text": "hi"', 400, "invalid JSON"),
    (b"\xff\xfe garbage", 400, "invalid JSON"),
    (b'{"text": 5}', 422, "body.text: Input should be a valid string (got 5)"),
    (b'{"text": "hi", "extra": 1}', 422, "body.extra: Extra inputs are not permitted"),
    (b'{"texts": "hi"}', 422, "body.texts: Input should be a valid list"),
    (b'{}', 422, 'give exactly one of "text" or "texts", got neither'),
    (b'[1, 2]', 422, "valid dictionary"),
    (b'', 422, 'the body is empty: send a JSON object, e.g. {"text": "..."}'),
    (b'[' * 100_000 + b']' * 100_000, 400, "error parsing the body"),
    (b'{"text": "hi", "strategy": "beam", "top_k": 3}', 422,
     "decoding option top_k applies to strategy 'sample', not 'beam'"),
    (b'{"text": "hi", "strategy": "sample", "temperature": NaN}', 422,
     "temperature must be a finite number > 0"),
    (b'{"text": "hi", "max_length": 100000}', 422, "max_length must be from 1 to 256"),
    (json.dumps({"texts": ["a"] * 65}).encode(), 413, "too many texts: 65, at most 64"),
    (json.dumps({"text": "a" * 1001}).encode(), 413, "text has 1001 characters, at most 1000"),
])
def test_bad_requests_are_refused_with_the_problem_named(body, status, message):
    engine = FakeEngine()
    with client_of(engine) as client:
        answer = client.post("/translate", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]
    assert engine.submitted == []  # refused before any translation started


def test_a_body_that_is_not_json_and_unknown_routes_and_methods():
    with client_of(FakeEngine()) as client:
        form = client.post("/translate", data={"text": "hi"})
        missing = client.get("/nowhere")
        method = client.get("/translate")
    assert form.status_code == 415 and "Content-Type: application/json" in form.json()["error"]
    assert missing.status_code == 404
    assert missing.json() == {"error": "no endpoint GET /nowhere (see /docs)"}
    assert method.status_code == 405 and method.headers["allow"] == "POST"
    assert "method GET is not allowed for /translate" in method.json()["error"]


@pytest.mark.parametrize("failure, status, message, retry", [
    (InputError("unknown tokens ['zz']"), 422, "text: unknown tokens ['zz']", False),
    (ValueError("max_length must be an integer >= 1"), 422, "text: max_length", False),
    (Overloaded("1024 requests are waiting"), 503, "overloaded, try again later", True),
    (SchedulerClosed("closed"), 503, "shutting down", True),
])
def test_refusals_at_submission_map_to_statuses(failure, status, message, retry):
    def refuse(text):
        raise failure

    with client_of(FakeEngine(respond=refuse)) as client:
        answer = client.post("/translate", json={"text": "hi"})
    assert answer.status_code == status
    assert message in answer.json()["error"]
    assert ("retry-after" in answer.headers) == retry
    if retry:
        assert answer.headers["retry-after"] == "1"


@pytest.mark.parametrize("failure, status, message", [
    (DeadlineExceeded("the request did not finish within its timeout"), 504, "deadline"),
    (StepFailed("a decoder step failed for the 3 requests in it"), 500, "decoding failed"),
    (KeyError("a bug"), 500, "internal error"),
])
def test_failures_during_translation_map_to_statuses_without_a_traceback(failure, status,
                                                                          message):
    with client_of(FakeEngine(fail_later=failure)) as client:
        answer = client.post("/translate", json={"text": "hi"})
        stream = client.post("/translate/stream", json={"text": "a b"})
    assert answer.status_code == status
    assert answer.json()["error"].startswith(message)
    assert "Traceback" not in answer.text and "a bug" not in answer.text
    events = parse_events(stream.text)  # the stream had begun: an error event instead
    assert stream.status_code == 200
    assert [name for name, _ in events] == ["token", "token", "error"]
    assert events[-1][1]["status"] == status and events[-1][1]["error"].startswith(message)


def test_a_refused_text_of_a_list_is_named_and_the_others_are_cancelled():
    engine = FakeEngine(hang=True)

    def respond(text):
        if text == "bad":
            raise InputError("input of 99 tokens exceeds max_input_length 7")
        return translation(text)

    engine.respond = respond
    with client_of(engine) as client:
        answer = client.post("/translate", json={"texts": ["ok", "fine", "bad", "bad"]})
    assert answer.status_code == 422
    assert answer.json() == {"error": "texts[2]: input of 99 tokens exceeds max_input_length 7"}
    assert engine.cancelled == 2 and engine.rows == 0


def test_the_stream_sends_tokens_then_the_record():
    with client_of(FakeEngine()) as client:
        answer = client.post("/translate/stream", json={"text": "x y z"})
        refused = client.post("/translate/stream", json={"text": "x", "texts": ["y"]})
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = parse_events(answer.text)
    assert events == [("token", {"token": "Z"}), ("token", {"token": "Y"}),
                      ("token", {"token": "X"}),
                      ("result", {"input": "x y z", "output": "Z Y X", "unknown": [],
                                  "truncated": False})]
    assert refused.status_code == 422 and "texts" in refused.json()["error"]


def test_a_lone_surrogate_is_echoed_as_valid_json():
    with client_of(FakeEngine()) as client:
        answer = client.post("/translate", content=b'{"text": "a \\ud800"}',
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert json.loads(answer.content)["input"] == "a \ud800"


def test_ready_turns_503_while_draining():
    app = create_app(FakeEngine())
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        assert client.get("/health").json() == {"status": "ok"}
        app.state.service.begin_draining()
        draining = client.get("/ready")
        assert client.get("/health").status_code == 200
    assert draining.status_code == 503 and draining.headers["retry-after"] == "1"
    assert "draining" in draining.json()["error"]


# A client that disconnects: the app is driven directly over ASGI, whose receive() says
# "http.disconnect" once the body has been read and `leave` is set.

def asgi_post(app, path, body, leave_after=0.2):
    sent = []

    async def drive():
        messages = [{"type": "http.request", "body": json.dumps(body).encode(),
                     "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            await asyncio.sleep(leave_after)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
                 "http_version": "1.1", "method": "POST", "scheme": "http", "path": path,
                 "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"content-type", b"application/json")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        await asyncio.wait_for(app(scope, receive, send), 10)

    asyncio.run(drive())
    return sent


@pytest.mark.parametrize("path, body", [("/translate", {"texts": ["a", "b", "c"]}),
                                        ("/translate/stream", {"text": "a"})])
def test_a_client_that_leaves_cancels_its_translations(path, body):
    engine = FakeEngine(hang=True)
    app = create_app(engine)
    asgi_post(app, path, body)
    assert engine.rows == 0
    assert engine.cancelled == len(body.get("texts", [1]))
    exposition = app.state.service.metrics.exposition()[0].decode()
    expected = "499" if path == "/translate" else "200"  # the stream had answered 200
    assert f'seq2seq_http_requests_total{{endpoint="{path}",status="{expected}"}} 1.0' \
        in exposition


def parse_events(text):
    """SSE text -> [(event, data as JSON)]."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events
