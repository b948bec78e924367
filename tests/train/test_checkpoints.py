"""Checkpoint commits with a stand-in model (no TensorFlow needed)."""

import json
import os

import pytest

from train.callbacks import EpochEnd
from train.checkpoints import BEST_MODEL, LAST_MODEL, CheckpointStore, TrainingState
from train.config import make_config
from train.errors import RunDirError


class FakeModel:
    def __init__(self, weights):
        self.weights = weights

    def save(self, path):
        with open(path, "w") as f:
            f.write(self.weights)


def read(folder, name):
    with open(os.path.join(folder, name)) as f:
        return f.read()


def commit(store, state, val_loss, weights, previous):
    improved = state.record({"loss": 1.0, "val_loss": val_loss})
    return store.commit(FakeModel(weights), state, improved, previous)


def test_only_the_latest_checkpoint_is_kept_and_best_is_carried(tmp_path):
    store, state = CheckpointStore(str(tmp_path)), TrainingState()
    first = commit(store, state, 2.0, "w1", None)
    second = commit(store, state, 3.0, "w2", first)  # worse: best stays w1
    assert os.listdir(tmp_path) == ["epoch-0002"]
    assert read(second, LAST_MODEL) == "w2" and read(second, BEST_MODEL) == "w1"
    path, loaded = store.latest()
    assert path == second and loaded == state
    assert (loaded.best_epoch, loaded.epochs_without_improvement) == (1, 1)


def test_leftovers_of_an_interrupted_commit_are_ignored_and_removed(tmp_path):
    store, state = CheckpointStore(str(tmp_path)), TrainingState()
    done = commit(store, state, 2.0, "w1", None)
    os.makedirs(tmp_path / ".tmp-crashed")
    (tmp_path / ".tmp-crashed" / LAST_MODEL).write_text("half")
    assert store.latest()[0] == done
    assert os.listdir(tmp_path) == ["epoch-0001"]


def test_damaged_state_is_a_clear_error(tmp_path):
    store = CheckpointStore(str(tmp_path))
    path = commit(store, TrainingState(), 2.0, "w1", None)
    with open(os.path.join(path, "state.json"), "w") as f:
        f.write('{"epoch": 1, "hist')
    with pytest.raises(RunDirError, match="checkpoint .*epoch-0001 is damaged"):
        store.latest()


@pytest.mark.parametrize("options, losses, reason", [
    (dict(epochs=2, patience=0), [1.0, 0.9], "epochs"),
    (dict(epochs=9, patience=2), [1.0, 1.1, 1.2], "early_stopping"),
    (dict(epochs=9, patience=2), [1.0, 1.1, 0.9], ""),
])
def test_stop_reasons(tmp_path, options, losses, reason):
    state = TrainingState()
    callback = EpochEnd(make_config("word", **options), CheckpointStore(str(tmp_path)), state, None,
                        publish=lambda state, checkpoint: None)
    model = FakeModel("w")
    model.stop_training = False
    callback.set_model(model)
    for epoch, loss in enumerate(losses):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {"loss": loss, "val_loss": loss})
    assert state.stop_reason == reason and callback.model.stop_training == bool(reason)
    assert json.loads(read(store_latest(tmp_path), "state.json"))["stop_reason"] == reason


def test_time_budget_stops_before_an_epoch_that_would_overrun(tmp_path, monkeypatch):
    from train import callbacks

    now = [0.0]
    monkeypatch.setattr(callbacks.time, "monotonic", lambda: now[0])
    state = TrainingState()
    callback = EpochEnd(make_config("word", epochs=9, time_budget_minutes=1.0),
                        CheckpointStore(str(tmp_path)), state, None, lambda *a: None)
    model = FakeModel("w")
    model.stop_training = False
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, loss in enumerate([1.0, 0.9, 0.8]):
        callback.on_epoch_begin(epoch)
        now[0] += 25.0  # each epoch takes 25 s
        callback.on_epoch_end(epoch, {"loss": loss, "val_loss": loss})
        if model.stop_training:
            break
    # after epoch 2 at 50 s, another 25 s epoch would end at 75 s > 60 s
    assert (state.epoch, state.stop_reason) == (2, "time_budget")


def store_latest(folder):
    return CheckpointStore(str(folder)).latest()[0]


def test_the_time_budget_counts_every_epoch_of_the_run_across_reruns():
    from train.callbacks import budget_spent
    from train.trainer import _complete

    state = TrainingState(epoch=2, history={"epoch_seconds": [25.0, 25.0]},
                          stop_reason="time_budget")
    config = make_config("word", epochs=9, time_budget_minutes=1.0)
    assert budget_spent(state, 1.0) and _complete(state, config)  # rerun: nothing
    assert not _complete(state, make_config("word", epochs=9, time_budget_minutes=2.0))
    assert not _complete(state, make_config("word", epochs=9, time_budget_minutes=0.0))
    assert not budget_spent(TrainingState(), 1.0)
    # the run's wall time counts (checkpoints included), not only the epochs' own
    assert budget_spent(TrainingState(epoch=2, history={"epoch_seconds": [20.0, 20.0]},
                                      train_seconds=45.0), 1.0)
