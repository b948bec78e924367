"""`python -m train` as a user runs it: one-line errors, and kill -9 then resume."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.train.synthetic import reversal_pairs, write_pairs
from train import run_dir as files

TINY = ["--level", "char", "--no-lowercase", "--embedding-dim", "8", "--latent-dim", "32",
        "--batch-size", "32", "--patience", "0", "--samples", "2", "--quiet"]


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "train", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def one_line_error(result):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert lines[-1].startswith("error: ") and "Traceback" not in result.stderr
    return lines[-1]


def test_missing_data_file(tmp_path):
    error = one_line_error(run_cli("--data", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "r")))
    assert "data file not found" in error and "nope.txt" in error


def test_empty_and_binary_data_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "no pairs left to train on" in one_line_error(
        run_cli("--data", str(empty), "--out", str(tmp_path / "a")))
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 64)
    error = one_line_error(run_cli("--data", str(garbage), "--out", str(tmp_path / "b")))
    assert "no pairs left to train on" in error and "malformed" in error


def test_contradictory_options_fail_before_loading_tensorflow(tmp_path):
    started = time.monotonic()
    error = one_line_error(run_cli("--val-fraction", "1.5", "--out", str(tmp_path / "r")))
    assert "val_fraction must be strictly between 0 and 1, got 1.5" in error
    assert time.monotonic() - started < 30  # generous: only shows TensorFlow was not imported
    assert not (tmp_path / "r").exists()


def test_unreadable_data_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    locked = tmp_path / "locked.txt"
    locked.write_text("a\tb\n")
    locked.chmod(0)
    assert "not readable" in one_line_error(run_cli("--data", str(locked), "--out", str(tmp_path / "r")))


def test_kill_9_mid_training_then_rerun_resumes_from_last_completed_epoch(tmp_path):
    data = write_pairs(tmp_path / "pairs.txt", reversal_pairs(3000, seed=0))
    run = tmp_path / "run"
    command = [sys.executable, "-m", "train", "--data", str(data), "--out", str(run),
               "--num-samples", "3000", "--epochs", "6", *TINY]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    checkpoint = run / files.CHECKPOINTS / "epoch-0002"
    deadline = time.monotonic() + 240
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # into the third epoch
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "training ended before it could be killed"
    saved = json.loads(next((run / files.CHECKPOINTS).glob("epoch-*/state.json")).read_text())
    completed = saved["epoch"]
    assert 2 <= completed < 6

    result = run_cli("--data", str(data), "--out", str(run), "--num-samples", "3000",
                     "--epochs", "6", *TINY)
    assert result.returncode == 0, result.stderr
    assert f"resuming after epoch {completed}" in result.stderr
    final = json.loads((run / files.HISTORY).read_text())
    assert final["epochs"] == 6 and len(final["history"]["loss"]) == 6
    assert final["history"]["loss"][:completed] == saved["history"]["loss"]
    assert "sample outputs" in result.stdout
