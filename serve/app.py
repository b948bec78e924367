"""The HTTP service as a FastAPI app, built around an engine (serve/engine.py):

    from serve.app import create_app
    app = create_app(engine, Limits(), metrics, grace_seconds=30)   # any ASGI server

The app does not know how translations are produced; it validates requests, applies the
limits, maps failures to statuses (serve/errors.py), streams tokens, counts and times
requests, and closes the engine when the server shuts down (lifespan): draining what was
accepted for at most the rest of the grace period, then cancelling what remains.
"""

import asyncio
import contextlib
import logging
import time

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from serve.admission import AdmissionMiddleware
from serve.body_limit import BodyLimitMiddleware
from serve.config import Limits
from serve.errors import MAPPED, describe, is_malformed_json, validation_message
from serve.metrics import Metrics, MetricsMiddleware
from serve.responses import JSONBody, error_body
from serve.routes import router

log = logging.getLogger("serve")

class Service:
    """What the endpoints share: the engine, the limits, the metrics, and whether the server
    is shutting down (then /ready answers 503)."""

    def __init__(self, engine, limits, metrics, grace_seconds):
        self.engine, self.limits, self.metrics = engine, limits, metrics
        self.grace_seconds = grace_seconds
        self.drain_deadline = None  # time.monotonic() by which to have finished

    @property
    def draining(self):
        return self.drain_deadline is not None

    def begin_draining(self):
        """Called when shutdown begins (SIGTERM; serve/server.py): /ready turns 503."""
        if self.drain_deadline is None:
            self.drain_deadline = time.monotonic() + self.grace_seconds

    def close_engine(self):
        """Blocking: let the engine finish for the rest of the grace period (at least a
        second), then cancel whatever is left."""
        self.begin_draining()
        remaining = max(1.0, self.drain_deadline - time.monotonic())
        try:
            self.engine.close(drain=True, timeout=remaining)
        except Exception:  # noqa: BLE001 - a failed drain must still end in a closed engine
            log.exception("draining the engine failed; cancelling what is left")
            self.engine.close(drain=False)


def create_app(engine, limits=None, metrics=None, grace_seconds=30.0):
    """engine: see serve/engine.py. limits: serve.config.Limits (default: its defaults).
    metrics: a serve.metrics.Metrics, when the engine was built to feed it (the
    Scheduler's on_step=metrics.observe_step); default a new one."""
    limits = Limits() if limits is None else limits
    metrics = Metrics() if metrics is None else metrics
    metrics.watch(engine)
    service = Service(engine, limits, metrics, grace_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await asyncio.to_thread(service.close_engine)

    app = FastAPI(title="seq2seq translation", lifespan=lifespan,
                  default_response_class=JSONBody,
                  description="Translate with an exported LSTM encoder-decoder "
                              "(serve/README.md).")
    app.state.service = service
    app.include_router(router)
    _add_error_handlers(app, limits.retry_after)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=limits.max_body_bytes)
    app.add_middleware(AdmissionMiddleware, engine=engine, retry_after=limits.retry_after)
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: sees every status
    return app


def _add_error_handlers(app, retry_after):
    async def mapped(request, error):
        status, message, headers = describe(error, retry_after)
        return error_body(status, message, headers)

    async def invalid(request, error):
        errors = error.errors()
        if _not_json(errors):
            given = request.headers.get("content-type")
            return error_body(415, "the body must be JSON, sent with Content-Type: "
                                   f"application/json (got {given!r})")
        return error_body(400 if is_malformed_json(errors) else 422, validation_message(errors))

    async def http_error(request, error):
        message = error.detail
        if error.status_code == 404:
            message = f"no endpoint {request.method} {request.url.path} (see /docs)"
        elif error.status_code == 405:
            allowed = (error.headers or {}).get("Allow", "")
            message = (f"method {request.method} is not allowed for {request.url.path}; "
                       f"allowed: {allowed}")
        return error_body(error.status_code, message, error.headers)

    async def internal(request, error):
        log.error("unexpected error while serving %s", request.url.path, exc_info=error)
        return error_body(500, "internal error")

    for kind in MAPPED:
        app.add_exception_handler(kind, mapped)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, internal)


def _not_json(errors):
    """FastAPI leaves a body with another Content-Type unparsed: the error is then about
    the whole body, which arrived as bytes."""
    return any(tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), bytes)
               for e in errors)
