"""Prometheus metrics, in a registry of the app's own (not prometheus_client's global one),
so that several apps in one process (tests, Ray replicas) never share or clash.

    seq2seq_http_requests_total{endpoint, status}   counter: every HTTP request; endpoint is
                                                    the route ("/translate", ...) or
                                                    "unmatched" (404s do not make labels)
    seq2seq_http_request_seconds{endpoint}          histogram: from request to the end of the
                                                    answer (for a stream, its last event)
    seq2seq_decoder_step_rows                       histogram: rows in each decoder step
    seq2seq_queued_requests                         gauge: requests waiting to join the batch
    seq2seq_running_rows                            gauge: rows in the running batch now
"""

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest

# Latency buckets (seconds): a short greedy answer takes milliseconds, a queued beam
# search of a long list seconds.
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
ROWS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("seq2seq_http_requests", "HTTP requests by endpoint and "
                                "status", ["endpoint", "status"], registry=self.registry)
        self.seconds = Histogram("seq2seq_http_request_seconds", "HTTP request latency",
                                 ["endpoint"], buckets=SECONDS, registry=self.registry)
        self.step_rows = Histogram("seq2seq_decoder_step_rows", "rows in each decoder step",
                                   buckets=ROWS, registry=self.registry)
        self.queued = Gauge("seq2seq_queued_requests", "requests waiting to join the batch",
                            registry=self.registry)
        self.rows = Gauge("seq2seq_running_rows", "rows in the running batch",
                          registry=self.registry)

    def observe_step(self, rows):
        """The Scheduler's on_step: called from its loop thread after each decoder step."""
        self.step_rows.observe(rows)

    def watch(self, engine):
        """Read the gauges from `engine` at each scrape."""
        self.queued.set_function(lambda: engine.queued)
        self.rows.set_function(lambda: engine.rows)

    def exposition(self):
        """-> (body bytes, content type) for GET /metrics."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Pure ASGI: counts every HTTP request by route and status, and times it. A request
    whose client left before any answer counts as status 499 (nginx's "client closed")."""

    def __init__(self, app, metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [None]

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except BaseException as error:  # counted, then passed on
            if status[0] is None:
                status[0] = 500 if isinstance(error, Exception) else 499
            raise
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(route, str(status[0] or 499)).inc()
            self.metrics.seconds.labels(route).observe(time.perf_counter() - started)
