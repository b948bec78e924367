"""The tf.distribute strategy for `--distribute`, connected, or a one-line error.

A worker whose peers never come up would wait inside MultiWorkerMirroredStrategy() for ever
(measured: over 12 minutes, holding the GIL, so no Python thread can interrupt it, and
ignoring SIGTERM; CommunicationOptions.timeout_seconds does not cover that rendezvous). So:
- the chief, whose strategy hosts the cluster's coordination service, first waits in Python
  until every other worker's port accepts connections (a worker's server is up as soon as
  its own strategy starts), and gives up after `timeout` seconds;
- the other workers register with the chief under a deadline of `timeout` seconds, which
  TensorFlow then reports as DeadlineExceededError.
Either way the result is a ClusterError: one line, exit status 2.
"""

import os
import socket
import sys
import time

import tensorflow as tf
from tensorflow.python.eager import context  # the coordination service's settings

from train.cluster import CONNECT_TIMEOUT, NO_GPU
from train.errors import ClusterError, ConfigError
from train.token_cache import remove_caches


def connect(placement, timeout=CONNECT_TIMEOUT, log=print):
    """-> tf.distribute.Strategy for placement.distribute, or None for one device."""
    if placement.distribute == "none":
        return None
    if placement.distribute == "mirrored":
        return _mirrored(log)
    return _multi_worker(placement, timeout, log)


def _mirrored(log):
    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        raise ConfigError(NO_GPU + " (TensorFlow sees no GPU: is a CUDA build installed?)")
    log(f"distribute: mirrored over {len(gpus)} GPU(s): {', '.join(d.name for d in gpus)}")
    return tf.distribute.MirroredStrategy([d.name for d in gpus])


def _multi_worker(placement, timeout, log):
    log(f"distribute: {placement.describe()}; waiting up to {timeout:.0f} s for the others")
    if placement.is_chief:
        _wait_for_ports(placement, timeout)
    _register_within(timeout)
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        replicas = int(all_reduce_sum(strategy, 1.0))
    except tf.errors.DeadlineExceededError:
        raise ClusterError(_unreachable(placement, timeout, "the chief")) from None
    except tf.errors.OpError as error:
        raise ClusterError(f"{placement.describe()} could not join the cluster: "
                           f"{first_line(error)}") from None
    log(f"distribute: {replicas} replicas in sync across {placement.workers} workers")
    return strategy


def _wait_for_ports(placement, timeout):
    """Until every other worker's host:port accepts a connection, or ClusterError."""
    deadline = time.monotonic() + timeout
    waiting = list(placement.addresses[1:])
    while waiting:
        host, _, port = waiting[0].rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=1.0).close()
            waiting.pop(0)
        except OSError:
            if time.monotonic() > deadline:
                raise ClusterError(_unreachable(placement, timeout, ", ".join(waiting))) \
                    from None
            time.sleep(0.25)


def _register_within(timeout):
    """Make a worker's registration with the chief give up after `timeout` seconds.
    MultiWorkerMirroredStrategy configures the coordination service itself, without a
    deadline (TensorFlow's default is an hour); its call is wrapped to add one."""
    current = context.context()
    configure = type(current).configure_coordination_service

    def with_deadline(self, *args, **kwargs):
        kwargs.setdefault("cluster_register_timeout_in_ms", int(timeout * 1000))
        return configure(self, *args, **kwargs)

    current.configure_coordination_service = with_deadline.__get__(current)


def _unreachable(placement, timeout, whom):
    return (f"{placement.describe()} could not reach {whom} within {timeout:.0f} s: start "
            f"the same command on every worker, check TF_CONFIG's addresses and that the "
            f"ports are open, or raise --worker-timeout")


def leave_cluster(timeout=600.0):
    """End a multi-worker process: wait until every worker is here (the chief writes its
    summary first), then exit at once. Each process exiting on its own would make the
    others log failed heartbeats to it, or its crash, as errors."""
    try:
        context.context().wait_at_barrier("lstm-seq2seq-finished", int(timeout * 1000))
    except tf.errors.OpError:
        pass  # the others are gone already: nothing left to wait for
    remove_caches()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # everything was written (atomically) before; nothing is lost


def all_reduce_sum(strategy, value):
    """Sum `value` (a float, or a tensor) over every replica of the cluster."""
    @tf.function
    def reduce():
        contributed = strategy.run(lambda: tf.identity(tf.cast(value, tf.float32)))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, contributed, axis=None)
    return reduce()


def first_line(error):
    message = getattr(error, "message", None) or str(error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
