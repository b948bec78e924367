"""Load the default service (the Scheduler engine) and run it under uvicorn with a graceful
SIGTERM: stop accepting, finish what is in flight within the grace period, then exit.

What happens on SIGTERM (or Ctrl-C):
1. DrainingServer.handle_exit marks the service draining: /ready answers 503 from now on.
2. uvicorn closes its listening sockets (new connections are refused), closes idle
   keep-alive connections, and waits up to timeout_graceful_shutdown (= the grace period)
   for the requests in flight to be answered; those still running then are cancelled
   (their rows leave the batch) and answered 503 (serve/routes.py, serve/events.py).
3. The lifespan shutdown closes the engine, draining for what is left of the grace period
   (at least a second), then cancelling (serve/app.py, Service.close_engine).
4. The process exits with status 0 (130 after Ctrl-C).
"""

import signal
import threading

import uvicorn

from serve.app import create_app
from serve.engine import SchedulerEngine
from serve.metrics import Metrics


def load_app(settings, limits, grace_seconds):
    """settings: serve.config.EngineSettings; limits: serve.config.Limits. Loads and checks
    the export (runtime.ExportLoadError if it is unusable) -> the FastAPI app."""
    metrics = Metrics()
    engine = SchedulerEngine.load(settings, on_step=metrics.observe_step)
    return create_app(engine, limits, metrics, grace_seconds)


class DrainingServer(uvicorn.Server):
    def __init__(self, config, service):
        super().__init__(config)
        self.service = service

    def handle_exit(self, sig, frame):
        self.service.begin_draining()
        super().handle_exit(sig, frame)


def run(app, host="127.0.0.1", port=8000, grace_seconds=30.0, log_level="info"):
    """Serve `app` (from create_app) until SIGTERM/SIGINT; returns after the drain."""
    config = uvicorn.Config(app, host=host, port=port, lifespan="on", log_level=log_level,
                            timeout_graceful_shutdown=grace_seconds)
    server = DrainingServer(config, app.state.service)
    # uvicorn re-raises the signal it caught once it has shut down, with the handler that
    # was there before it; a handler that does nothing lets a drained SIGTERM exit 0.
    if threading.current_thread() is not threading.main_thread():
        return server.run()  # uvicorn handles no signals there either
    previous = signal.signal(signal.SIGTERM, lambda sig, frame: None)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
