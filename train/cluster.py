"""Where this process sits in a training cluster, read from TF_CONFIG without TensorFlow.

`python -m train --distribute multi-worker` takes its cluster from TF_CONFIG, the variable
tf.distribute.MultiWorkerMirroredStrategy reads:
    {"cluster": {"worker": ["host0:port", "host1:port"]}, "task": {"type": "worker", "index": 0}}
(a "chief" list of one address may stand before the workers). Worker 0 (or the chief) is
the chief: the only process that locks and writes the run directory. Checked here, before
TensorFlow is imported, so a malformed TF_CONFIG is a one-line error instead of a
TensorFlow traceback or a process waiting for peers that can never answer.
"""

import dataclasses
import glob
import json

from train.errors import ConfigError

DISTRIBUTES = ("none", "multi-worker", "mirrored")
CONNECT_TIMEOUT = 120.0  # seconds a worker waits for the others to join (--worker-timeout)
_TASK_TYPES = ("chief", "worker")


@dataclasses.dataclass(frozen=True)
class Placement:
    """This process's role. One device: no addresses, index 0, chief."""

    distribute: str = "none"
    addresses: tuple = ()   # every task's "host:port", the chief's first
    index: int = 0          # this task's position in `addresses`

    @property
    def is_chief(self):
        return self.index == 0

    @property
    def workers(self):
        return max(1, len(self.addresses))

    def describe(self):
        if self.distribute != "multi-worker":
            return self.distribute
        return f"worker {self.index} of {self.workers} ({self.addresses[self.index]})"


def placement(distribute, environ):
    """The Placement for `--distribute`, from `environ["TF_CONFIG"]` for multi-worker."""
    if distribute not in DISTRIBUTES:
        raise ConfigError(f"distribute must be one of {DISTRIBUTES}, got {distribute!r}")
    if distribute != "multi-worker":
        if environ.get("TF_CONFIG"):
            raise ConfigError(f"TF_CONFIG is set but --distribute is {distribute}: add "
                              f"--distribute multi-worker to train across its cluster, or "
                              f"unset TF_CONFIG")
        return Placement(distribute)
    raw = environ.get("TF_CONFIG", "")
    if not raw.strip():
        raise ConfigError("--distribute multi-worker needs TF_CONFIG, e.g. "
                          "TF_CONFIG='{\"cluster\": {\"worker\": [\"10.0.0.1:12345\", "
                          "\"10.0.0.2:12345\"]}, \"task\": {\"type\": \"worker\", \"index\": 0}}' "
                          "on the first host (index 1 on the second); on one machine: "
                          "python -m train.launch")
    try:
        tf_config = json.loads(raw)
    except ValueError as error:
        raise ConfigError(f"TF_CONFIG is not valid JSON ({error})") from None
    return _placement_of(tf_config)


def _placement_of(tf_config):
    if not isinstance(tf_config, dict):
        raise ConfigError(f"TF_CONFIG must be a JSON object with 'cluster' and 'task', got "
                          f"{type(tf_config).__name__}")
    cluster, task = tf_config.get("cluster"), tf_config.get("task")
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ConfigError("TF_CONFIG needs a 'cluster' object and a 'task' object, got keys "
                          f"{sorted(tf_config)}")
    unknown = sorted(set(cluster) - set(_TASK_TYPES))
    if unknown:
        raise ConfigError(f"TF_CONFIG cluster has task types {unknown}: only 'chief' and "
                          f"'worker' train (parameter servers are not supported)")
    chief, workers = cluster.get("chief", []), cluster.get("worker", [])
    for name, addresses in (("chief", chief), ("worker", workers)):
        if not isinstance(addresses, list) or not all(_is_address(a) for a in addresses):
            raise ConfigError(f"TF_CONFIG cluster.{name} must be a list of 'host:port' "
                              f"strings, got {addresses!r}")
    if len(chief) > 1:
        raise ConfigError(f"TF_CONFIG cluster.chief must hold one address, got {len(chief)}")
    addresses = tuple(chief + workers)
    if len(addresses) < 2:
        raise ConfigError(f"TF_CONFIG lists {len(addresses)} task(s); multi-worker training "
                          f"needs at least 2 (train without --distribute on one)")
    duplicates = sorted({a for a in addresses if addresses.count(a) > 1})
    if duplicates:
        raise ConfigError(f"TF_CONFIG lists {duplicates} more than once: every task needs "
                          f"its own host:port")
    task_type, index = task.get("type"), task.get("index")
    if task_type not in _TASK_TYPES or (task_type == "chief" and not chief):
        raise ConfigError(f"TF_CONFIG task.type must be one of the cluster's task types "
                          f"{[t for t in _TASK_TYPES if cluster.get(t)]}, got {task_type!r}")
    count = len(chief) if task_type == "chief" else len(workers)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        raise ConfigError(f"TF_CONFIG task.index must be an integer in 0..{count - 1} (the "
                          f"cluster has {count} {task_type} address(es)), got {index!r}")
    position = index if task_type == "chief" else len(chief) + index
    return Placement("multi-worker", addresses, position)


def _is_address(value):
    if not isinstance(value, str) or value.count(":") < 1:
        return False
    host, _, port = value.rpartition(":")
    return bool(host) and port.isdigit() and 0 < int(port) < 65536


def require_gpus():
    """Refuse --distribute mirrored before TensorFlow is imported when no GPU device file
    exists (TensorFlow's own check follows in connect, for CPU-only builds)."""
    if not glob.glob("/dev/nvidia[0-9]*") and not glob.glob("/dev/dxg"):
        raise ConfigError(NO_GPU)


NO_GPU = ("--distribute mirrored trains on this machine's GPUs, and it has none; train "
          "without --distribute (one device), or across machines with --distribute "
          "multi-worker")


def tf_config(addresses, index):
    """The TF_CONFIG value for worker `index` of `addresses` (used by train.launch)."""
    return json.dumps({"cluster": {"worker": list(addresses)},
                       "task": {"type": "worker", "index": index}})
