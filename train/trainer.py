"""One training run, start to finish, resumable: load data, prepare, build or restore the
model, fit with teacher forcing, publish model/history/curve into the run directory."""

import dataclasses
import filecmp
import os
import shutil
import sys

import keras
import numpy as np
import tensorflow as tf

from runtime.atomic import atomic_path, write_json_atomic
from train import cluster, distributed, strategies
from train import run_dir as files
from train.batching import steps_per_epoch
from train.callbacks import EpochEnd, budget_spent
from train.cli import epochs_text
from train.cluster import CONNECT_TIMEOUT
from train.checkpoints import BEST_MODEL, LAST_MODEL, CheckpointStore, TrainingState
from train.dataset import load_and_prepare
from train.model import build_training_model
from train.pipeline import training_dataset, validation_dataset
from train.plot import plot_history
from train.sources import default_data_path


@dataclasses.dataclass
class TrainResult:
    run: files.RunDir
    data: object       # train.dataset.PreparedData
    state: TrainingState
    resumed_from: int  # completed epochs found at start (0 = fresh run)
    is_chief: bool = True  # False: a worker of a cluster, which wrote nothing


def train(config, out_dir, verbose="auto", log=None, placement=None,
          worker_timeout=CONNECT_TIMEOUT, strategy=None):
    """Train (or resume, or find complete) the run in `out_dir`; return a TrainResult.
    Under --distribute multi-worker every worker calls this with the same arguments; only
    the chief (placement.is_chief) reads or writes `out_dir`. `strategy`: a tf.distribute
    strategy already made (e.g. MirroredStrategy on chosen devices) instead of the one
    config.distribute names."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    placement = placement or cluster.placement(config.distribute, os.environ)
    run = files.RunDir(out_dir)
    if placement.is_chief:
        run.check_for(config)  # before loading data: refuse a wrong --out at once
    if strategy is None:
        strategy = strategies.connect(placement, worker_timeout, log)
    data_path = config.data or default_data_path()
    resuming = placement.is_chief and run.exists()
    if resuming:
        run.check_same_data(data_path)
    saved = (run.load_vocabularies(), run.load_tokenizers(config)) if resuming else (None, None)
    data, report = load_and_prepare(data_path, config, *saved)
    log(f"data: {report.summary()}")
    log(f"data: {len(data.train)} training and {len(data.validation)} validation pairs; "
        f"vocabularies {len(data.source_vocab)} -> {len(data.target_vocab)} tokens")
    if not placement.is_chief:  # writes nothing: the chief owns the run directory
        _seed(config)
        state = distributed.fit(strategy, placement, (None, None), config, data, None,
                                TrainingState(), False, log, verbose)
        return TrainResult(run, data, state, 0, is_chief=False)
    with run.locked():
        if not resuming:
            run.save_subword_models(data.subword_models)
            run.save_vocabularies(data.source_vocab, data.target_vocab)
            run.write_config(config, data_path, data.stats(), _versions())
        state, resumed_from = _fit(run, config, data, verbose, log, strategy, placement)
    return TrainResult(run, data, state, resumed_from)


def _fit(run, config, data, verbose, log, strategy=None, placement=None):
    """Fit from the latest checkpoint (or from scratch); -> (final state, epochs found)."""
    _seed(config)
    store = CheckpointStore(run.file(files.CHECKPOINTS))
    checkpoint, state = store.latest() or (None, TrainingState())
    resumed_from = state.epoch
    complete = _complete(state, config)
    if complete:
        log(f"run already complete ({epochs_text(state.epoch)}{_spent(state, config)})")
        _publish(run, config, state, checkpoint)  # a kill may have come before the last publish
    elif checkpoint:
        log(f"resuming after epoch {state.epoch} from {checkpoint}")

    def publish(state, checkpoint):
        _publish(run, config, state, checkpoint)

    if strategy is not None:  # the others wait for the chief's word even when it is complete
        state = distributed.fit(strategy, placement, (store, publish), config, data,
                                checkpoint, state, complete, log, verbose)
        return state, resumed_from
    if complete:
        return state, resumed_from
    if checkpoint:
        model = keras.models.load_model(os.path.join(checkpoint, LAST_MODEL))
    else:
        model = build_training_model(config, len(data.source_vocab), len(data.target_vocab))
    model.fit(
        training_dataset(data.train, config.batch_size, config.seed, state.epoch),
        validation_data=validation_dataset(data.validation, config.batch_size),
        steps_per_epoch=steps_per_epoch(len(data.train), config.batch_size),
        initial_epoch=state.epoch, epochs=config.epochs,
        callbacks=[EpochEnd(config, store, state, checkpoint, publish)],
        verbose=_keras_verbosity(verbose), shuffle=False,  # batches are already shuffled
    )
    return state, resumed_from


def _seed(config):
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()  # same seed, same run


def _complete(state, config):
    if state.epoch >= config.epochs:
        return True
    if state.epoch and budget_spent(state, config.time_budget_minutes):
        return True  # a larger --time-budget-minutes (or 0) trains on
    return (state.stop_reason == "early_stopping" and config.patience > 0
            and state.epochs_without_improvement >= config.patience)


def _spent(state, config):
    if state.epoch < config.epochs and budget_spent(state, config.time_budget_minutes):
        return (f"; its {config.time_budget_minutes:g}-minute time budget is spent: a larger "
                f"--time-budget-minutes, or 0, trains on")
    return ""


def _publish(run, config, state, checkpoint):
    """Refresh the run's user-facing outputs from the committed checkpoint."""
    best, published = os.path.join(checkpoint, BEST_MODEL), run.file(files.MODEL)
    if not (os.path.isfile(published) and filecmp.cmp(best, published, shallow=False)):
        with atomic_path(published, suffix=".keras") as temporary:  # not when unchanged
            shutil.copyfile(best, temporary)
    write_json_atomic(run.file(files.HISTORY), {
        "epochs": state.epoch, "best_epoch": state.best_epoch,
        "best_val_loss": state.best_val_loss, "stop_reason": state.stop_reason,
        "history": state.history,
    })
    plot_history(state.history, run.file(files.CURVE),
                 f"{config.preset} preset, {config.level} level, latent {config.latent_dim}",
                 state.best_epoch)


def _keras_verbosity(verbose):
    if verbose == "auto":
        return 1 if sys.stdout.isatty() else 2  # progress bar on a terminal, a line per epoch in logs
    return verbose


def _versions():
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}


def load_best_model(run_path):
    """The run's best model, for inference (no optimizer, no custom loss needed)."""
    return keras.models.load_model(files.RunDir(run_path).file(files.MODEL), compile=False)

