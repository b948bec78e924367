"""Training under a tf.distribute strategy: a custom loop, the same model, loss and epochs.

Keras 3's `model.fit` fails under MultiWorkerMirroredStrategy on the TensorFlow backend
("Attempt to convert a value (PerReplica...)", keras-team/keras#20585), so this loop does
what fit does: per replica, the summed masked cross-entropy of its slice divided by the
*global* batch's real tokens, gradients summed across replicas by the optimizer (Keras's
TF optimizer all-reduces them), so every step equals one process's step on the global
batch up to float rounding. Logged metrics are fit's: loss weighted by batch rows, accuracy
averaged over batches.

Only the chief (worker 0) writes: checkpoints and the run's files, through the same
EpochEnd as one process. Resuming, the chief loads the last checkpoint and broadcasts its
weights, optimizer state and epoch to every worker, so the others need no copy of the run
directory. Stopping (epochs, early stopping, time budget) is the chief's decision, sent to
all, so no worker waits in a collective its peers never join.
"""

import hashlib
import json
import os
import time

import keras
import tensorflow as tf

from runtime.vocabulary import PAD_ID
from train.batching import steps_per_epoch, validation_batches
from train.callbacks import EpochEnd
from train.checkpoints import LAST_MODEL
from train.errors import ClusterError, DataError
from train.model import build_training_model
from train.pipeline import endless_training_batches, replica_dataset

SUM = tf.distribute.ReduceOp.SUM


def fit(strategy, placement, run_parts, config, data, checkpoint, state, complete, log,
        verbose):
    """Train from `state` to the end; -> state. The chief passes its run's (store, publish),
    last checkpoint, state and whether the run is `complete`; the others pass
    ((None, None), None, TrainingState(), False) and are told the rest."""
    try:
        return _fit(strategy, placement, run_parts, config, data, checkpoint, state,
                    complete, log, verbose)
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
            tf.errors.CancelledError, tf.errors.AbortedError, tf.errors.InternalError) as error:
        raise ClusterError(f"{placement.describe()}: lost contact with the other workers "
                           f"({type(error).__name__}: a worker stopped or the network "
                           f"failed); rerun the same commands on every worker to resume "
                           f"after the last completed epoch") from None


def _fit(strategy, placement, run_parts, config, data, checkpoint, state, complete, log,
         verbose):
    store, publish = run_parts  # (None, None) on every worker but the chief
    check_same_data(strategy, placement, data)
    with strategy.scope():
        model = build_training_model(config, len(data.source_vocab), len(data.target_vocab))
        model.optimizer.build(model.trainable_variables)
    broadcast = _broadcaster(strategy)
    first_epoch, end_epoch = _restore(broadcast, model, checkpoint, state,
                                      state.epoch if complete else config.epochs)
    state.epoch = first_epoch  # the chief's, on every worker
    epoch_end = EpochEnd(config, store, state, checkpoint, publish)
    epoch_end.set_model(model)
    epoch_end.on_train_begin()
    train_step, evaluate_step = _steps(strategy, model)
    training = iter(_distribute(strategy, data.train, endless_training_batches(
        data.train, config.batch_size, config.seed, first_epoch)))
    validation_batch_list = validation_batches(data.validation, config.batch_size)
    validation_dataset = _distribute(strategy, data.validation, validation_batch_list)
    steps = steps_per_epoch(len(data.train), config.batch_size)
    for epoch in range(first_epoch, end_epoch):
        epoch_end.on_epoch_begin(epoch)
        loss, accuracy = _run_epoch(train_step, training, steps)
        val_loss, val_accuracy = _run_epoch(evaluate_step, iter(validation_dataset),
                                            len(validation_batch_list))
        logs = {"loss": loss, "masked_accuracy": accuracy, "val_loss": val_loss,
                "val_masked_accuracy": val_accuracy}
        epoch_end.on_epoch_end(epoch, logs)
        if verbose and placement.is_chief:  # a line an epoch, as fit's verbose=2
            seconds = time.monotonic() - epoch_end.epoch_started
            print(f"Epoch {epoch + 1}/{config.epochs} - {seconds:.0f}s"
                  + "".join(f" - {name}: {value:.4f}" for name, value in logs.items()),
                  flush=True)
        if broadcast([float(model.stop_training)])[0]:
            break
    return state


def _steps(strategy, model):
    """(train_step, evaluate_step): each takes a distributed iterator, runs one global batch
    and returns (global batch loss, global batch accuracy, global batch rows)."""
    def replica_metrics(inputs, labels, tokens, training):
        probabilities = model(inputs, training=training)
        real = tf.cast(tf.not_equal(labels, PAD_ID), tf.float32)
        losses = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
        correct = tf.cast(tf.equal(tf.argmax(probabilities, -1, output_type=labels.dtype),
                                   labels), tf.float32)
        return tf.reduce_sum(losses * real) / tokens, tf.reduce_sum(correct * real) / tokens

    def train_replica(inputs, labels, tokens, rows):
        with tf.GradientTape() as tape:
            loss, accuracy = replica_metrics(inputs, labels, tokens, True)
        variables = model.trainable_variables
        model.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss, accuracy, rows

    def evaluate_replica(inputs, labels, tokens, rows):
        return (*replica_metrics(inputs, labels, tokens, False), rows)

    def global_step(replica_fn):
        @tf.function
        def step(iterator):
            loss, accuracy, rows = strategy.run(replica_fn, args=next(iterator))
            return (strategy.reduce(SUM, loss, axis=None),
                    strategy.reduce(SUM, accuracy, axis=None),
                    strategy.experimental_local_results(rows)[0])
        return step

    return global_step(train_replica), global_step(evaluate_replica)


def _run_epoch(step, iterator, steps):
    """-> (loss weighted by rows, accuracy averaged over batches), as Keras's fit logs them."""
    loss_sum = rows_sum = accuracy_sum = 0.0
    for _ in range(steps):
        loss, accuracy, rows = (float(value) for value in step(iterator))
        loss_sum, rows_sum, accuracy_sum = loss_sum + loss * rows, rows_sum + rows, \
            accuracy_sum + accuracy
    return loss_sum / rows_sum, accuracy_sum / steps


def _distribute(strategy, split, batches):
    replicas = strategy.num_replicas_in_sync

    def dataset_fn(context):
        local = replicas // context.num_input_pipelines
        first = context.input_pipeline_id * local
        return replica_dataset(split, batches, replicas, range(first, first + local))

    options = tf.distribute.InputOptions(experimental_fetch_to_device=True)
    return strategy.distribute_datasets_from_function(dataset_fn, options)


def _restore(broadcast, model, checkpoint, state, end_epoch):
    """Give every worker the chief's starting point: the last checkpoint's weights and
    optimizer state (loaded on the chief only), its completed epochs and the epoch to stop
    before. -> (first epoch, end epoch)."""
    variables = model.variables + model.optimizer.variables
    if checkpoint:  # only the chief has one
        saved = keras.models.load_model(os.path.join(checkpoint, LAST_MODEL))
        saved_variables = saved.variables + saved.optimizer.variables
        if [v.shape for v in saved_variables] != [v.shape for v in variables]:
            raise ClusterError(f"checkpoint {checkpoint} does not match the model "
                               f"(another architecture?); start a new run")
        for target, source in zip(variables, saved_variables):
            target.assign(source)
    values = broadcast([v.value for v in variables]
                        + [float(state.epoch), float(end_epoch)])
    for target, value in zip(variables, values):
        target.assign(tf.cast(value, target.dtype))
    return int(values[-2]), int(values[-1])


def _broadcaster(strategy):
    """broadcast(values) -> replica 0's (the chief's) `values` on every worker: an
    all-reduce in which every other replica adds zeros. One tf.function for the whole run
    (a new one per call would be traced again every epoch)."""
    def contribute(tensors):
        context = tf.distribute.get_replica_context()
        first = tf.equal(context.replica_id_in_sync_group, 0)
        return context.all_reduce(SUM, [tf.where(first, t, tf.zeros_like(t)) for t in tensors])

    @tf.function
    def run(tensors):
        return strategy.run(contribute, args=(tensors,))

    def broadcast(values):
        reduced = run([tf.cast(v, tf.float32) for v in values])  # counters too: exact < 2**24
        return [strategy.experimental_local_results(r)[0].numpy() for r in reduced]

    return broadcast


def check_same_data(strategy, placement, data):
    """Every worker must have built the same vocabularies and splits from its data file;
    a host with another file would otherwise train a silently different model."""
    digest = _data_digest(data)
    digests = _broadcast_all(strategy, digest)
    if len(set(digests)) > 1:
        raise DataError(f"{placement.describe()}: the workers built different data (digests "
                        f"{digests}): give every host the same --data file and options")


def _broadcast_all(strategy, value):
    """[each replica's `value`] (a small integer), on every worker."""
    def gather():
        context = tf.distribute.get_replica_context()
        return context.all_gather(tf.constant([float(value)]), axis=0)

    gathered = strategy.run(tf.function(gather))
    return [int(v) for v in strategy.experimental_local_results(gathered)[0].numpy()]


def _data_digest(data):
    text = json.dumps([data.source_vocab.tokens, data.target_vocab.tokens,
                       len(data.train), len(data.validation)])
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % (1 << 24)  # float32-exact
