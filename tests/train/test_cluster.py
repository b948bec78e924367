"""TF_CONFIG and --distribute checked before TensorFlow is imported (train.cluster)."""

import json

import pytest

from train import cluster
from train.cluster import Placement, placement, tf_config
from train.errors import ConfigError

TWO = {"cluster": {"worker": ["127.0.0.1:2001", "127.0.0.1:2002"]},
       "task": {"type": "worker", "index": 1}}


def env(value):
    return {"TF_CONFIG": value if isinstance(value, str) else json.dumps(value)}


def test_one_device_needs_no_tf_config():
    assert placement("none", {}) == Placement("none")
    assert placement("none", {}).is_chief


def test_a_worker_of_two():
    where = placement("multi-worker", env(TWO))
    assert where.addresses == ("127.0.0.1:2001", "127.0.0.1:2002")
    assert where.index == 1 and not where.is_chief and where.workers == 2
    assert where.describe() == "worker 1 of 2 (127.0.0.1:2002)"


def test_a_chief_task_comes_first():
    config = {"cluster": {"chief": ["h0:1"], "worker": ["h1:1", "h2:1"]},
              "task": {"type": "chief", "index": 0}}
    assert placement("multi-worker", env(config)).is_chief
    config["task"] = {"type": "worker", "index": 0}
    assert placement("multi-worker", env(config)).index == 1


def test_the_launcher_writes_what_placement_reads():
    where = placement("multi-worker", env(tf_config(["127.0.0.1:1", "127.0.0.1:2"], 0)))
    assert where.is_chief and where.workers == 2


@pytest.mark.parametrize("value, message", [
    ("", "needs TF_CONFIG"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ({"cluster": {"worker": ["h:1", "h:2"]}}, "needs a 'cluster' object and a 'task' object"),
    ({"cluster": {"worker": ["h:1"]}, "task": {"type": "worker", "index": 0}},
     "needs at least 2"),
    ({"cluster": {"worker": ["h:1", "h:1"]}, "task": {"type": "worker", "index": 0}},
     "more than once"),
    ({"cluster": {"worker": ["h:1", "nohost"]}, "task": {"type": "worker", "index": 0}},
     "list of 'host:port'"),
    ({"cluster": {"worker": ["h:1", "h:99999"]}, "task": {"type": "worker", "index": 0}},
     "list of 'host:port'"),
    ({"cluster": {"worker": ["h:1", "h:2"], "ps": ["h:3"]},
      "task": {"type": "worker", "index": 0}}, "parameter servers"),
    ({"cluster": {"worker": ["h:1", "h:2"]}, "task": {"type": "worker", "index": 2}},
     "task.index must be an integer in 0..1"),
    ({"cluster": {"worker": ["h:1", "h:2"]}, "task": {"type": "worker", "index": "0"}},
     "task.index"),
    ({"cluster": {"worker": ["h:1", "h:2"]}, "task": {"type": "chief", "index": 0}},
     "task.type"),
])
def test_malformed_tf_config_is_one_clear_error(value, message):
    with pytest.raises(ConfigError, match=message) as raised:
        placement("multi-worker", env(value))
    assert "\n" not in str(raised.value)


def test_tf_config_without_multi_worker_is_refused():
    with pytest.raises(ConfigError, match="add --distribute multi-worker"):
        placement("none", env(TWO))


def test_unknown_distribute():
    with pytest.raises(ConfigError, match="must be one of"):
        placement("parameter-server", {})


def test_mirrored_without_a_gpu_is_refused(monkeypatch):
    monkeypatch.setattr(cluster.glob, "glob", lambda pattern: [])
    with pytest.raises(ConfigError, match="has none"):
        cluster.require_gpus()
    monkeypatch.setattr(cluster.glob, "glob", lambda pattern: ["/dev/nvidia0"])
    cluster.require_gpus()


@pytest.mark.parametrize("argv, message", [
    (["--workers", "1", "--out", "r"], "--workers must be >= 2"),
    (["--distribute", "none", "--out", "r"], "set by the launcher"),
])
def test_launcher_refuses_in_one_line(argv, message, capsys):
    from train.launch import parse_args

    with pytest.raises(SystemExit) as raised:
        parse_args(argv)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err
