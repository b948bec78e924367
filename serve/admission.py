"""Refuse translation requests at the door while the engine's queue is full: 503 with
Retry-After, before the body is read, parsed or validated.

Under overload the requests that will be refused anyway must cost little: refused after
FastAPI's parsing and validation (~0.3 ms of the event loop's time each here), a flood of
them starved the decode loop, and the server answered ever fewer requests ever later
(benchmarks/results/serve_load.md). Pure ASGI, so a refusal costs uvicorn's header parsing
and one small JSON answer. Requests that pass may still meet a full queue (others filled it
meanwhile); the engine then raises Overloaded, which is a 503 too.
"""

from serve.responses import error_body

GUARDED = ("/translate", "/translate/stream")  # the routes that queue work


class AdmissionMiddleware:
    def __init__(self, app, engine, retry_after):
        """engine: serve/engine.py's; its optional `overloaded` says the queue is full."""
        self.app, self.engine, self.retry_after = app, engine, retry_after

    async def __call__(self, scope, receive, send):
        if (scope["type"] == "http" and scope["path"] in GUARDED
                and getattr(self.engine, "overloaded", False)):
            response = error_body(503, f"overloaded: {self.engine.queued} requests are waiting;"
                                       f" retry in {self.retry_after} s",
                                  {"Retry-After": str(self.retry_after)})
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)
