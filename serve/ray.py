"""python -m serve.ray EXPORT_DIR: the HTTP service on Ray Serve, one Scheduler per replica.

    python -m serve.ray EXPORT_DIR [--replicas 2] [--host 127.0.0.1] [--port 8000]
                                   [--address auto]

Without --address, starts a local Ray (no dashboard, usage stats off) and stops it on exit;
with --address (e.g. auto, after `ray start --head` / `ray start --address HEAD:6379` on
each machine) deploys onto that cluster and removes the application on exit. Runs until
SIGTERM or Ctrl-C. The other options are python -m serve's; see serve/README.md.
"""

import dataclasses
import os
import signal
import sys
import threading

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # before Ray is imported

import ray  # noqa: E402
from ray import serve as ray_serve  # noqa: E402

from runtime import Translator  # noqa: E402
from runtime.errors import ExportLoadError, ProviderError  # noqa: E402
from serve.cli import make_parser, settings_from_args  # noqa: E402
from serve.ray_app import APP_NAME, build_application  # noqa: E402


def parse_args(argv):
    parser = make_parser("python -m serve.ray", __doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=1, help="replicas (default 1)")
    parser.add_argument("--address", help="an existing Ray cluster (auto, or HOST:6379); "
                        "default: start a local one")
    parser.add_argument("--num-cpus", type=int, help="CPUs of the local Ray (default: all)")
    parser.add_argument("--max-ongoing-requests", type=int, default=256,
                        help="requests one replica takes at once (default 256)")
    args = parser.parse_args(argv)
    for name in ("replicas", "max_ongoing_requests", "num_cpus"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    if args.address and args.num_cpus:
        parser.error("--num-cpus sizes a local Ray; a cluster's CPUs are its own")
    settings, limits = settings_from_args(args, parser)
    # Replicas may run elsewhere, from another working directory.
    settings = dataclasses.replace(settings, export_dir=os.path.abspath(args.export_dir))
    return args, settings, limits


def main(argv=None):
    args, settings, limits = parse_args(argv)
    try:  # refuse a bad export here, not in replicas that Ray would restart forever
        Translator.load(settings.export_dir, shortlist=settings.shortlist)
    except (ExportLoadError, ProviderError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # after ray.init, whose own SIGTERM handler
        signal.signal(sig, lambda *_: stop.set())  # would only dump a stack and die
    try:
        ray_serve.start(http_options={"host": args.host, "port": args.port})
        ray_serve.run(build_application(settings, limits, args.grace_seconds, args.replicas,
                                        args.max_ongoing_requests),
                      name=APP_NAME, route_prefix="/")
        print(f"serving {settings.export_dir} with {args.replicas} replica(s) on "
              f"http://{args.host}:{args.port} (Ctrl-C or SIGTERM to stop)", flush=True)
        while not stop.wait(1.0):
            pass
    finally:
        if args.address:
            ray_serve.delete(APP_NAME)  # replicas drain for --grace-seconds
        else:
            ray_serve.shutdown()
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
