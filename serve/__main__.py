"""python -m serve EXPORT_DIR: an HTTP translation service (FastAPI, uvicorn) for an export.

    python -m serve EXPORT_DIR [--host 127.0.0.1] [--port 8000] [options]

One process, step-level batching (runtime.Scheduler): concurrent requests share decoder steps.

Endpoints: POST /translate, POST /translate/stream (Server-Sent Events), GET /health,
GET /ready, GET /metrics (Prometheus), /docs (OpenAPI). SIGTERM drains requests in flight
for --grace-seconds, then exits. See serve/README.md.
"""

import sys

from runtime.errors import ExportLoadError, ProviderError
from serve.cli import make_parser, settings_from_args
from serve.server import load_app, run


def main(argv=None):
    parser = make_parser("python -m serve", __doc__.splitlines()[0])
    args = parser.parse_args(argv)
    settings, limits = settings_from_args(args, parser)
    try:
        app = load_app(settings, limits, args.grace_seconds)
    except (ExportLoadError, ProviderError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        run(app, args.host, args.port, args.grace_seconds)
    except KeyboardInterrupt:  # Ctrl-C: uvicorn drained first, then re-raised it
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
