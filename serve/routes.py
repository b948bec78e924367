"""The endpoints. Each reads the service (engine, limits, metrics, draining flag) from
request.app.state.service, which create_app (serve/app.py) puts there."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from serve.disconnect import ClientDisconnected, unless_disconnected
from serve.events import EventStream, token_events
from serve.responses import JSONBody, error_body
from serve.schemas import StreamRequest, TranslateRequest
from serve.translating import open_stream, translate_request

router = APIRouter()

ERRORS = {status: {"description": text, "content": {"application/json": {"example": {
    "error": example}}}} for status, text, example in [
        (400, "Malformed JSON", "body.12: invalid JSON: Expecting ',' delimiter"),
        (413, "Over a size limit", "too many texts: 65, at most 64 per request (--max-texts)"),
        (422, "Invalid field, option or text", "body.text: Input should be a valid string "
                                               "(got 5)"),
        (500, "Decoding failed", "decoding failed: ..."),
        (503, "Queue full or shutting down (with Retry-After)", "overloaded, try again later"),
        (504, "The per-request timeout passed", "deadline exceeded: ...")]}


@router.post("/translate", responses=ERRORS, summary="Translate one text or a list")
async def translate(body: TranslateRequest, request: Request):
    """{"text": "..."} -> one record; {"texts": [...]} -> a list of records, in order.
    A record: input, output, unknown (input tokens not in the vocabulary), truncated, and
    with scores (beam, sample, or "scores": true) score, token_scores, ended; n_best with
    "n_best" > 1."""
    service = request.app.state.service
    try:
        result = await unless_disconnected(
            request.receive, translate_request(service.engine, body, service.limits))
    except ClientDisconnected:
        return Response(status_code=499)  # nobody reads it; counted as 499 in /metrics
    except asyncio.CancelledError:
        if not service.draining:
            raise
        # The grace period ended with this request unfinished: uvicorn cancelled it (and
        # its translations). Say so, rather than uvicorn's plain-text 500.
        return error_body(503, "the server shut down before this request finished",
                          {"Retry-After": str(service.limits.retry_after)})
    return JSONBody(result)


@router.post("/translate/stream", responses=ERRORS, response_class=EventStream,
             status_code=200,  # FastAPI's docs read it from the class otherwise, and fail
             summary="Translate one text, streaming its tokens (Server-Sent Events)")
async def translate_stream(body: StreamRequest, request: Request):
    """text/event-stream: `event: token` with {"token": ...} for each output token, then
    `event: result` with the record (as POST /translate), or `event: error` with {"error",
    "status"} if the translation fails after the stream began. Closing the connection
    cancels the translation."""
    service = request.app.state.service
    stream = open_stream(service.engine, body, service.limits)
    return EventStream(token_events(body.text, stream, service.limits.retry_after),
                       on_close=stream.aclose)


@router.get("/health", summary="Liveness: the process answers")
async def health():
    return JSONBody({"status": "ok"})


@router.get("/ready", summary="Readiness: the export is loaded and requests are accepted")
async def ready(request: Request):
    service = request.app.state.service
    if service.draining or getattr(service.engine, "closed", False):
        return error_body(503, "draining: the server is shutting down",
                          {"Retry-After": str(service.limits.retry_after)})
    return JSONBody({"status": "ready", "queued": service.engine.queued,
                     "rows": service.engine.rows})


@router.get("/metrics", summary="Prometheus metrics (text format)")
async def metrics(request: Request):
    body, content_type = request.app.state.service.metrics.exposition()
    return Response(body, media_type=content_type)
