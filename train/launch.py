"""python -m train.launch [--workers N] [--isolated-network] TRAIN OPTIONS: N workers here.

Starts N processes of `python -m train --distribute multi-worker TRAIN OPTIONS` on this
machine, each with its TF_CONFIG (127.0.0.1, ports chosen free), prints their output with a
`[worker i]` prefix, and waits. If one fails the others are stopped: the launcher exits with
the first failure's status, and rerunning the same command resumes after the last completed
epoch. It is the local recipe for what runs on several hosts (README: "Training on several
machines"): there each host runs `python -m train --distribute multi-worker ...` itself.

TensorFlow's gRPC server listens on every interface (0.0.0.0:port; the host part of the
address is not used to bind, and no option changes that). So by default the workers run in a
new network namespace (Linux, `unshare --user --net`) whose only interface is loopback, and
nothing outside this machine can reach them. Where user namespaces are not allowed the
launcher says so and runs them on the host's network (--no-isolated-network does that on
purpose; --isolated-network insists, and fails without it).
"""

import argparse
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

from runtime.cli import Parser
from train.cluster import tf_config
from train.sources import default_data_path

_ISOLATED = "S2S_LAUNCH_ISOLATED"  # set inside the namespace: do not unshare again
_STOP_GRACE = 30.0  # seconds the others get to notice a failed worker before SIGKILL


def parse_args(argv):
    parser = Parser(prog="python -m train.launch", description=__doc__.splitlines()[0],
                    epilog="Any other option goes to every worker's python -m train.")
    parser.add_argument("--workers", type=int, default=2, help="processes to start (>= 2)")
    parser.add_argument("--isolated-network", action=argparse.BooleanOptionalAction,
                        default=None, help="run the workers where only loopback exists "
                        "(Linux user namespaces; default: when available)")
    args, train_options = parser.parse_known_args(argv)
    if args.workers < 2:
        parser.error(f"--workers must be >= 2, got {args.workers}")
    if any(o == "--distribute" or o.startswith("--distribute=") for o in train_options):
        parser.error("--distribute is set by the launcher (multi-worker); leave it out")
    return args, train_options


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args, train_options = parse_args(argv)
    if not any(o == "--data" or o.startswith("--data=") for o in train_options):
        # resolved (downloaded if need be) here: an isolated worker has no network
        argv = [*argv, "--data", default_data_path()]
        train_options = [*train_options, "--data", argv[-1]]
    if os.environ.get(_ISOLATED):  # already inside the namespace
        loopback_up()
    elif _isolate(args.isolated_network):
        return _reexecute_isolated(argv)
    addresses = [f"127.0.0.1:{port}" for port in _free_ports(args.workers)]
    workers = [_start(index, addresses, train_options) for index in range(args.workers)]
    return _wait(workers)


def _isolate(asked):
    """Whether to run the workers in a network namespace: as asked (True/False), or where
    possible (None, with a warning where not)."""
    if asked is False:
        return False
    if _can_isolate():
        return True
    if asked:
        print("error: --isolated-network needs `unshare --user --net` (util-linux, and user "
              "namespaces allowed); run with --no-isolated-network", file=sys.stderr)
        raise SystemExit(2)
    print("[launch] warning: no network namespace here (unshare --user --net failed); the "
          "workers' ports are open on every interface of this machine for this run",
          file=sys.stderr, flush=True)
    return False


def _can_isolate():
    try:
        return subprocess.run(["unshare", "--user", "--map-root-user", "--net", "true"],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _reexecute_isolated(argv):
    command = ["unshare", "--user", "--map-root-user", "--net",
               sys.executable, "-m", "train.launch", *argv]
    try:
        return subprocess.call(command, env={**os.environ, _ISOLATED: "1"})
    except KeyboardInterrupt:
        return 130


def loopback_up():
    """Bring `lo` up in the new namespace (it starts down) without needing `ip`."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as handle:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(handle, siocgifflags, request))[1]
        fcntl.ioctl(handle, siocsifflags, struct.pack("16sh", b"lo", flags | iff_up))


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for handle in sockets:
            handle.bind(("127.0.0.1", 0))
        return [handle.getsockname()[1] for handle in sockets]
    finally:
        for handle in sockets:
            handle.close()


def _start(index, addresses, train_options):
    command = [sys.executable, "-m", "train", "--distribute", "multi-worker", *train_options]
    environment = {**os.environ, "TF_CONFIG": tf_config(addresses, index)}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    print(f"[launch] worker {index} (pid {process.pid}) on {addresses[index]}", flush=True)
    threading.Thread(target=_relay, args=(index, process.stdout), daemon=True).start()
    return process


def _relay(index, stream):
    for line in stream:
        sys.stdout.write(f"[worker {index}] {line}")
        sys.stdout.flush()


def _wait(workers):
    """Wait for every worker; once one fails, stop the rest. -> exit status."""
    status = 0
    try:
        pending = list(workers)
        while pending:
            for process in list(pending):
                try:
                    code = process.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    continue
                pending.remove(process)
                if code and not status:
                    status = code if code > 0 else 128 - code
                    print(f"[launch] worker {workers.index(process)} exited with status "
                          f"{code}; stopping the others (rerun the same command to resume)",
                          file=sys.stderr, flush=True)
                    _stop(pending, _STOP_GRACE)
    except KeyboardInterrupt:
        _stop(workers, 0)
        return 130
    return status


def _stop(processes, grace):
    """Give the others `grace` seconds to fail on their own (they notice a lost peer and say
    so), then SIGKILL: a worker waiting to join a cluster ignores SIGTERM."""
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
