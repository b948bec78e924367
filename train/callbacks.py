"""What happens at the end of every epoch: record, decide whether to stop, checkpoint,
publish the run's outputs. Everything a resumed run needs is committed before the next
epoch starts."""

import time

import keras


class EpochEnd(keras.callbacks.Callback):
    def __init__(self, config, store, state, checkpoint, publish):
        super().__init__()
        self.config, self.store, self.state = config, store, state
        self.checkpoint = checkpoint  # folder of the last committed checkpoint, or None
        self.publish = publish        # publish(state, checkpoint_folder)
        self.started = self.epoch_started = time.monotonic()
        self.earlier_seconds = state.train_seconds  # of earlier runs of this run directory

    def on_train_begin(self, logs=None):
        self.started = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        logs = {**logs, "epoch_seconds": now - self.epoch_started}
        self.state.train_seconds = self.earlier_seconds + now - self.started
        improved = self.state.record(logs)
        self.state.stop_reason = self._stop_reason()
        if self.store:  # None on every worker of a cluster but the chief
            self.checkpoint = self.store.commit(self.model, self.state, improved,
                                                self.checkpoint)
            self.publish(self.state, self.checkpoint)
        if self.state.stop_reason:
            self.model.stop_training = True

    def _stop_reason(self):
        config, state = self.config, self.state
        if state.epoch >= config.epochs:
            return "epochs"
        if config.patience and state.epochs_without_improvement >= config.patience:
            return "early_stopping"
        if budget_spent(state, config.time_budget_minutes):
            return "time_budget"  # the next epoch would likely overrun the budget
        return ""


def budget_spent(state, budget_minutes):
    """Whether one more epoch, as long as the last, would overrun the time budget. The
    budget counts the run's training time across interruptions and reruns
    (state.train_seconds; the sum of the epochs for a run older than that field), so
    rerunning the same command on a run that its budget stopped trains nothing more."""
    seconds = state.history.get("epoch_seconds", [])
    if not budget_minutes or not seconds:
        return False
    spent = state.train_seconds or sum(seconds)
    return spent + seconds[-1] > budget_minutes * 60
