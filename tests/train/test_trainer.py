"""A training run's directory, resuming, repeatability and refusals (tiny models)."""

import json
import struct

import numpy as np
import pytest

from tests.train.synthetic import reversal_pairs, write_pairs
from train import run_dir as files
from train.config import make_config
from runtime.atomic import FILE_MODE, FOLDER_MODE
from train.errors import DataError, RunDirError
from train.trainer import load_best_model, train

TINY = dict(level="char", lowercase=False, embedding_dim=8, latent_dim=16, batch_size=32,
            num_samples=400, patience=0, seed=3)


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    return write_pairs(tmp_path_factory.mktemp("data") / "pairs.txt", reversal_pairs(400, 0))


def config_for(data_file, **options):
    return make_config("word", data=str(data_file), **{**TINY, **options})


def history(run):
    with open(run / files.HISTORY) as f:
        return json.load(f)["history"]


def test_run_directory_holds_everything_needed(data_file, tmp_path):
    run = tmp_path / "run"
    result = train(config_for(data_file, epochs=2), run, verbose=0)
    assert sorted(p.name for p in run.iterdir()) == sorted(
        [files.CONFIG, files.SOURCE_VOCAB, files.TARGET_VOCAB, files.MODEL, files.HISTORY,
         files.CURVE, files.CHECKPOINTS, files.LOCK])
    saved = json.loads((run / files.CONFIG).read_text())
    assert saved["config"]["latent_dim"] == 16 and saved["data"]["train_pairs"] == 360
    assert set(saved["versions"]) >= {"tensorflow", "keras", "numpy", "python"}
    assert json.loads((run / files.TARGET_VOCAB).read_text())[:4] == ["<pad>", "<start>", "<end>", "<unk>"]
    assert {len(v) for v in history(run).values()} == {2}
    assert set(history(run)) >= {"loss", "val_loss", "masked_accuracy", "val_masked_accuracy"}
    png = (run / files.CURVE).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1000, 400)
    assert load_best_model(run).get_layer("decoder_lstm").units == 16
    assert result.state.stop_reason == "epochs"


def test_resumed_run_equals_the_uninterrupted_one(data_file, tmp_path):
    train(config_for(data_file, epochs=3), tmp_path / "straight", verbose=0)
    train(config_for(data_file, epochs=2), tmp_path / "resumed", verbose=0)
    result = train(config_for(data_file, epochs=3), tmp_path / "resumed", verbose=0)
    assert result.resumed_from == 2 and result.state.epoch == 3
    straight, resumed = history(tmp_path / "straight"), history(tmp_path / "resumed")
    for metric in ("loss", "val_loss", "val_masked_accuracy"):
        np.testing.assert_allclose(resumed[metric], straight[metric], rtol=1e-6)


def test_rerunning_a_complete_run_trains_nothing(data_file, tmp_path):
    train(config_for(data_file, epochs=1), tmp_path / "run", verbose=0)
    before = (tmp_path / "run" / files.MODEL).read_bytes()
    inode = (tmp_path / "run" / files.MODEL).stat().st_ino
    result = train(config_for(data_file, epochs=1), tmp_path / "run", verbose=0)
    assert result.resumed_from == 1 and result.state.epoch == 1
    assert (tmp_path / "run" / files.MODEL).read_bytes() == before
    assert (tmp_path / "run" / files.MODEL).stat().st_ino == inode  # not rewritten


def test_rerunning_a_run_its_time_budget_stopped_trains_nothing(data_file, tmp_path):
    budget = config_for(data_file, epochs=5, time_budget_minutes=0.0001)  # one epoch's worth
    first = train(budget, tmp_path / "run", verbose=0)
    assert (first.state.epoch, first.state.stop_reason) == (1, "time_budget")
    messages = []
    again = train(budget, tmp_path / "run", verbose=0, log=messages.append)
    assert again.resumed_from == 1 and again.state.epoch == 1
    assert any("time budget is spent" in m for m in messages)
    more = train(config_for(data_file, epochs=2, time_budget_minutes=0), tmp_path / "run",
                 verbose=0)
    assert more.state.epoch == 2


def test_refuses_a_run_with_other_options(data_file, tmp_path):
    train(config_for(data_file, epochs=1), tmp_path / "run", verbose=0)
    with pytest.raises(RunDirError, match="latent_dim: 16 in the run, 32 now"):
        train(config_for(data_file, epochs=1, latent_dim=32), tmp_path / "run", verbose=0)


def test_refuses_changed_data(data_file, tmp_path):
    data = tmp_path / "pairs.txt"
    data.write_bytes(data_file.read_bytes())
    train(config_for(data, epochs=1), tmp_path / "run", verbose=0)
    with open(data, "a") as f:
        f.write("ab\tba\n")
    with pytest.raises(RunDirError, match="changed since this run started"):
        train(config_for(data, epochs=2), tmp_path / "run", verbose=0)


@pytest.mark.parametrize("own_file", ["notes.txt", files.MODEL, files.HISTORY])
def test_refuses_a_folder_that_is_not_a_run(data_file, tmp_path, own_file):
    (tmp_path / own_file).write_text("the user's own file")
    with pytest.raises(RunDirError, match=f"not a training run's \\({own_file}\\)"):
        train(config_for(data_file, epochs=1), tmp_path, verbose=0)
    assert (tmp_path / own_file).read_text() == "the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [own_file]


def test_bad_data_leaves_no_run_directory(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(DataError):
        train(config_for(empty, epochs=1), tmp_path / "run", verbose=0)
    assert not (tmp_path / "run").exists()


def test_a_second_process_on_the_same_run_is_refused(data_file, tmp_path):
    with files.RunDir(tmp_path / "run").locked():  # as another training process would hold it
        with pytest.raises(RunDirError, match="another process is training into"):
            train(config_for(data_file, epochs=1), tmp_path / "run", verbose=0)


def test_outputs_are_readable_like_ordinary_files(data_file, tmp_path):
    train(config_for(data_file, epochs=1), tmp_path / "run", verbose=0)
    for name in (files.CONFIG, files.SOURCE_VOCAB, files.MODEL, files.HISTORY, files.CURVE):
        assert (tmp_path / "run" / name).stat().st_mode & 0o777 == FILE_MODE
    checkpoint = next((tmp_path / "run" / files.CHECKPOINTS).iterdir())
    assert checkpoint.stat().st_mode & 0o777 == FOLDER_MODE
