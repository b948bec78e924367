"""The endpoints around the real Scheduler on a tiny export: the answers are the records of
translate_detailed for the same texts and options; streams, refusals, deadlines, overload,
metrics, docs."""

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from runtime import Decoding, translation_record
from serve.config import Limits
from tests.serve.conftest import scheduler_app, wait_until
from tests.serve.test_app_errors import parse_events

TEXTS = ["the cat sees a dog .", "big red dog .", "", "a small blue cat likes the dog ."]
OPTIONS = [({}, Decoding(), False),
           ({"scores": True}, Decoding(), True),
           ({"strategy": "beam", "beam_width": 3, "n_best": 2}, Decoding("beam", beam_width=3,
                                                                        n_best=2), False),
           ({"strategy": "sample", "seed": 7, "top_k": 5}, Decoding("sample", seed=7, top_k=5),
            False)]


@pytest.fixture(scope="module")
def client(export_dir):
    with TestClient(scheduler_app(export_dir, max_rows=16)) as client:
        yield client


def idle(engine):
    """Cancelled and expired rows leave at the scheduler's next step: wait for it."""
    wait_until(lambda: (engine.rows, engine.queued) == (0, 0), what="an idle engine")


def expected(translator, text, decoding, scores):
    return translation_record(text, translator.translate_detailed(
        [text], decoding=decoding, scores=scores)[0])


@pytest.mark.parametrize("body, decoding, scores", OPTIONS)
def test_answers_are_translate_detailed_records(client, translator, body, decoding, scores):
    one = client.post("/translate", json={"text": TEXTS[0], **body})
    many = client.post("/translate", json={"texts": TEXTS, **body})
    assert one.status_code == 200 and many.status_code == 200
    assert one.json() == expected(translator, TEXTS[0], decoding, scores)
    assert many.json() == [expected(translator, text, decoding, scores) for text in TEXTS]


@pytest.mark.parametrize("body, decoding, scores", OPTIONS)
def test_the_stream_gives_the_tokens_then_the_record(client, translator, body, decoding,
                                                     scores):
    answer = client.post("/translate/stream", json={"text": TEXTS[3], **body})
    events = parse_events(answer.text)
    record = expected(translator, TEXTS[3], decoding, scores)
    reference = translator.translate_detailed([TEXTS[3]], decoding=decoding, scores=scores)[0]
    assert events[-1] == ("result", record)
    assert [data["token"] for name, data in events[:-1]] == list(reference.tokens)


def test_input_refused_by_policy_names_the_text(export_dir):
    app = scheduler_app(export_dir, unknown="error")
    with TestClient(app) as client:
        one = client.post("/translate", json={"text": "the zebra ."})
        many = client.post("/translate", json={"texts": ["the cat .", "a zebra .", "dog ."]})
        stream = client.post("/translate/stream", json={"text": "the zebra ."})
        idle(app.state.service.engine)  # the cancelled siblings left the batch
    assert one.status_code == 422 and one.json()["error"].startswith("text: unknown tokens")
    assert many.status_code == 422 and many.json()["error"].startswith("texts[1]: unknown")
    assert stream.status_code == 422 and "zebra" in stream.json()["error"]


def test_a_beam_wider_than_the_batch_is_refused(export_dir):
    with TestClient(scheduler_app(export_dir, max_rows=4)) as client:
        answer = client.post("/translate", json={"text": "a cat .", "strategy": "beam",
                                                 "beam_width": 5})
    assert answer.status_code == 422
    assert "beam_width 5 exceeds the scheduler's max_rows 4" in answer.json()["error"]


# Long requests: sampling may not end before min_length tokens; every step sleeps 20 ms.
LONG = {"strategy": "sample", "min_length": 40, "max_length": 50, "seed": 1}


def test_a_request_past_its_timeout_is_answered_504(export_dir):
    app = scheduler_app(export_dir, Limits(timeout=0.2), step_delay=0.02)
    with TestClient(app) as client:
        answer = client.post("/translate", json={"text": "a cat .", **LONG})
        stream = client.post("/translate/stream", json={"text": "a cat .", **LONG})
        quick = client.post("/translate", json={"text": "a cat ."})
        idle(app.state.service.engine)
    assert answer.status_code == 504 and "deadline exceeded" in answer.json()["error"]
    name, data = parse_events(stream.text)[-1]
    assert name == "error" and data["status"] == 504
    assert quick.status_code == 200


def test_a_full_queue_answers_503_with_retry_after(export_dir):
    app = scheduler_app(export_dir, step_delay=0.02, max_rows=1, max_queue=1)

    engine = app.state.service.engine

    async def burst():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            def post():
                return client.post("/translate", json={"text": "a cat .", **LONG})
            first = asyncio.ensure_future(post())
            while engine.rows == 0:  # the first is decoding: the queue is empty again
                await asyncio.sleep(0.005)
            return await asyncio.gather(first, *[post() for _ in range(5)])

    answers = asyncio.run(burst())
    try:
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 200, 503, 503, 503, 503]  # one running, one waiting
        refused = [answer for answer in answers if answer.status_code == 503]
        assert all(answer.headers["retry-after"] == "1" for answer in refused)
        assert "overloaded" in refused[0].json()["error"]
        idle(engine)
    finally:
        engine.close()


def test_metrics_count_requests_steps_and_show_the_gauges(export_dir):
    with TestClient(scheduler_app(export_dir)) as client:
        client.post("/translate", json={"texts": TEXTS})
        client.post("/translate", json={"text": 5})
        client.get("/no/such/thing")
        text = client.get("/metrics").text
    assert 'seq2seq_http_requests_total{endpoint="/translate",status="200"} 1.0' in text
    assert 'seq2seq_http_requests_total{endpoint="/translate",status="422"} 1.0' in text
    assert 'seq2seq_http_requests_total{endpoint="unmatched",status="404"} 1.0' in text
    assert 'seq2seq_http_request_seconds_count{endpoint="/translate"} 2.0' in text
    steps = float(next(line.split()[-1] for line in text.splitlines()
                       if line.startswith("seq2seq_decoder_step_rows_count")))
    assert steps >= 1
    assert "seq2seq_queued_requests 0.0" in text and "seq2seq_running_rows 0.0" in text


def test_docs_and_openapi(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/translate", "/translate/stream", "/health", "/ready", "/metrics"} \
        <= set(schema["paths"])
    body = schema["components"]["schemas"]["TranslateRequest"]
    assert body["additionalProperties"] is False and "beam_width" in body["properties"]
    assert json.dumps(schema)  # serialisable, no Python objects left in it
