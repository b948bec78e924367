"""Per-epoch checkpoints that survive kill -9 at any moment.

CHECKPOINTS/epoch-0007/ holds last.keras (the model and optimizer after epoch 7),
best.keras (the best model so far by validation loss) and state.json (history, early
stopping counters). A checkpoint is built in a hidden temporary folder and renamed into
place: a folder named epoch-NNNN is always complete, and the highest one wins.
"""

import dataclasses
import json
import os
import re
import shutil
import tempfile

from runtime.atomic import FOLDER_MODE, write_json_atomic
from train.errors import RunDirError

LAST_MODEL = "last.keras"
BEST_MODEL = "best.keras"
STATE = "state.json"
_NAME = re.compile(r"epoch-(\d{4,})")


@dataclasses.dataclass
class TrainingState:
    epoch: int = 0                       # completed epochs
    history: dict = dataclasses.field(default_factory=dict)  # metric -> [value per epoch]
    best_epoch: int = 0                  # 1-based; 0 = none yet
    best_val_loss: float = float("inf")
    epochs_without_improvement: int = 0
    stop_reason: str = ""                # "", "epochs", "early_stopping" or "time_budget"
    train_seconds: float = 0.0           # wall time training took, across reruns, up to the
                                         # last completed epoch (what the time budget counts)

    def record(self, logs):
        """Add one epoch's Keras logs; return True if validation loss improved."""
        self.epoch += 1
        for name, value in logs.items():
            self.history.setdefault(name, []).append(float(value))
        improved = logs["val_loss"] < self.best_val_loss
        if improved:
            self.best_epoch, self.best_val_loss = self.epoch, float(logs["val_loss"])
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
        return improved


class CheckpointStore:
    def __init__(self, folder):
        self.folder = folder

    def latest(self):
        """(folder of the newest complete checkpoint, its TrainingState), or None."""
        if not os.path.isdir(self.folder):
            return None
        self._remove_leftovers()
        epochs = sorted(int(m.group(1)) for m in map(_NAME.fullmatch, os.listdir(self.folder)) if m)
        if not epochs:
            return None
        path = self._path(epochs[-1])
        try:
            with open(os.path.join(path, STATE), encoding="utf-8") as f:
                return path, TrainingState(**json.load(f))
        except (OSError, ValueError, TypeError) as error:
            raise RunDirError(f"checkpoint {path} is damaged ({error}); it is the only one, so "
                              f"the run cannot resume: start a new run (another --out)") from None

    def commit(self, model, state, improved, previous):
        """Write checkpoint `state.epoch` for `model`; `previous` is the last checkpoint's
        folder (its best.keras is reused when this epoch did not improve)."""
        os.makedirs(self.folder, exist_ok=True)
        staging = tempfile.mkdtemp(dir=self.folder, prefix=".tmp-")
        os.chmod(staging, FOLDER_MODE)
        model.save(os.path.join(staging, LAST_MODEL))
        best = os.path.join(staging, BEST_MODEL)
        if improved or previous is None:
            shutil.copyfile(os.path.join(staging, LAST_MODEL), best)
        else:
            shutil.copyfile(os.path.join(previous, BEST_MODEL), best)
        write_json_atomic(os.path.join(staging, STATE), dataclasses.asdict(state))
        _fsync_tree(staging)
        path = self._path(state.epoch)
        os.rename(staging, path)
        for name in os.listdir(self.folder):
            match = _NAME.fullmatch(name)
            if match and int(match.group(1)) < state.epoch:
                self._discard(os.path.join(self.folder, name))
        return path

    def _path(self, epoch):
        return os.path.join(self.folder, f"epoch-{epoch:04d}")

    def _discard(self, path):
        # Rename first, so an interrupted delete never leaves a half-empty epoch-NNNN.
        trash = tempfile.mkdtemp(dir=self.folder, prefix=".trash-")
        os.rename(path, os.path.join(trash, "old"))
        shutil.rmtree(trash, ignore_errors=True)

    def _remove_leftovers(self):
        for name in os.listdir(self.folder):
            if name.startswith((".tmp-", ".trash-")):
                shutil.rmtree(os.path.join(self.folder, name), ignore_errors=True)


def _fsync_tree(folder):
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as f:
            os.fsync(f.fileno())
