"""`python -m train` as a user runs it: one-line errors, and kill -9 then resume."""

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.train.synthetic import reversal_pairs, write_pairs
from train import run_dir as files

TINY = ["--preset", "word", "--level", "char", "--no-lowercase", "--embedding-dim", "8", "--latent-dim", "32",
        "--batch-size", "32", "--patience", "0", "--samples", "2", "--quiet"]


def run_cli(*args, timeout=300, env=None):
    return subprocess.run([sys.executable, "-m", "train", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


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


def test_bad_options_fail_in_one_line_before_loading_tensorflow(tmp_path):
    out = str(tmp_path / "r")
    probe = ("import sys; from train.__main__ import main; code = main(sys.argv[1:]); "
             "print('tensorflow' in sys.modules, code)")
    result = subprocess.run([sys.executable, "-c", probe, "--val-fraction", "1.5", "--out", out],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "2"]
    assert result.stderr.strip() == "error: val_fraction must be strictly between 0 and 1, got 1.5"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, message", [
    (["--level", "byte"], "argument --level: invalid choice: 'byte'"),
    (["--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
    (["--seed", "-1"], "seed must be in 0 .. 2**32 - 1, got -1"),
    (["--encoding", "rot13"], "encoding 'rot13' is not a known text encoding"),
])
def test_malformed_options_are_one_line(tmp_path, args, message):
    assert message in one_line_error(run_cli(*args, "--out", str(tmp_path / "r")))


def test_fractional_time_budget_is_accepted(tmp_path):
    from train.__main__ import parse_args

    assert parse_args(["--out", "x", "--time-budget-minutes", "0.5"]).time_budget_minutes == 0.5


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
    # a kill between committing a checkpoint and deleting the older one leaves both
    newest = max((run / files.CHECKPOINTS).glob("epoch-*/state.json"))
    saved = json.loads(newest.read_text())
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


SUBWORD = ["--level", "subword", "--subword-vocab-size", "290", "--embedding-dim", "8",
           "--latent-dim", "16", "--epochs", "1", "--samples", "1", "--quiet"]


def french_pairs(tmp_path):
    return write_pairs(tmp_path / "pairs.txt", [
        (f"the {w} cat sees {i} dogs.", f"le chat {w} voit {i} chiens\u202f!")
        for i in range(60) for w in ("big", "small", "red")])


def test_subword_without_sentencepiece_is_one_line(tmp_path):
    import os

    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sentencepiece.py").write_text("raise ImportError('no sentencepiece here')\n")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    error = one_line_error(run_cli("--data", str(french_pairs(tmp_path)), "--out",
                                   str(tmp_path / "r"), *SUBWORD, env=env))
    assert "--level subword needs the sentencepiece package, which is not installed" in error
    assert "pip install sentencepiece" in error


def test_subword_vocabulary_too_large_for_the_data_is_one_line(tmp_path):
    error = one_line_error(run_cli("--data", str(french_pairs(tmp_path)), "--out",
                                   str(tmp_path / "r"), *SUBWORD, "--subword-vocab-size", "9000"))
    assert "subword_vocab_size 9000 is too large for the source side" in error


def test_a_damaged_subword_model_stops_a_resume_in_one_line(tmp_path):
    data, out = french_pairs(tmp_path), tmp_path / "r"
    first = run_cli("--data", str(data), "--out", str(out), *SUBWORD)
    assert first.returncode == 0, first.stderr
    (out / files.TARGET_SUBWORD).write_bytes(b"damaged")
    error = one_line_error(run_cli("--data", str(data), "--out", str(out), *SUBWORD,
                                   "--epochs", "2"))
    assert "target_subword.model: SHA-256 differs from the one" in error


WITHOUT_EXTRAS = """
import importlib.util, runpy, sys
real = importlib.util.find_spec
hidden = set(sys.argv[1].split(","))
importlib.util.find_spec = lambda name, *a, **k: None if name in hidden else real(name, *a, **k)
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__")
"""


@pytest.mark.parametrize("module, hidden, extra", [
    ("train", "tensorflow,keras", "[train]"),
    ("export", "tensorflow,keras,tf2onnx,onnx", "[export]"),
])
def test_a_missing_extra_is_one_line_naming_the_install(module, hidden, extra, tmp_path):
    data = write_pairs(tmp_path / "pairs.txt", reversal_pairs(20, seed=1))
    if module == "train":
        args = ["--out", str(tmp_path / "run"), "--data", str(data)]
    else:
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / files.CONFIG).write_text("{}")
        args = [str(tmp_path / "run"), str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, hidden, module, *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and f"pip install '.{extra}'" in result.stderr
    assert not (tmp_path / "run" / "model.keras").exists()
