"""A faithful re-implementation of the keras-io `lstm_seq2seq` example's training.

This is the baseline the training benchmark compares against: one-hot inputs AND one-hot
targets, every sequence padded (with spaces) to the longest in the whole dataset, Keras's
`validation_split` (the last 20%), RMSprop, categorical cross-entropy. The only change from
the published script: it accepts the two-column `fra.txt` as well as the three-column one.

Run alone:  python benchmarks/keras_io_baseline.py --data PATH --epochs 2
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.seed_scripts import KerasIoData, training_model  # noqa: E402


def vectorize(data_path, num_samples):
    """The keras-io example's three dense one-hot arrays (benchmarks.seed_scripts), and the
    number of real (non-pad) target positions of each pair: its target minus the "\t"."""
    data = KerasIoData(data_path, num_samples)
    decoder_input, decoder_target = data.decoder_arrays()
    target_lengths = np.array([len(t) - 1 for t in data.target_texts])
    return data.encoder_input(data.input_texts), decoder_input, decoder_target, target_lengths


def build_model(num_encoder_tokens, num_decoder_tokens, latent_dim):
    import keras

    return training_model(keras, num_encoder_tokens, num_decoder_tokens, latent_dim)


def real_token_loss(model, encoder_input, decoder_input, decoder_target, target_lengths):
    """Mean cross-entropy over real target tokens only (pads excluded), for comparison."""
    probabilities = model.predict([encoder_input, decoder_input], batch_size=256, verbose=0)
    positions = np.arange(decoder_target.shape[1])[None, :]
    real = positions < target_lengths[:, None]  # (samples, steps)
    true_probability = np.sum(probabilities * decoder_target, axis=-1)
    return float(-np.log(np.clip(true_probability[real], 1e-7, 1.0)).mean())


def run(data_path, epochs, num_samples=10000, latent_dim=256, batch_size=64):
    """Train like keras-io; return seconds per epoch, validation loss on real tokens."""
    import keras

    import_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    keras.utils.set_random_seed(0)
    arrays = vectorize(data_path, num_samples)
    encoder_input, decoder_input, decoder_target, target_lengths = arrays
    model = build_model(encoder_input.shape[-1], decoder_input.shape[-1], latent_dim)
    epoch_seconds = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.start)

    fit_started = time.perf_counter()
    model.fit(
        [encoder_input, decoder_input], decoder_target,
        batch_size=batch_size, epochs=epochs, validation_split=0.2,
        callbacks=[Timer()], verbose=2,
    )
    fit_seconds = time.perf_counter() - fit_started
    split = int(len(encoder_input) * 0.8)  # Keras's validation_split takes the tail
    validation = [a[split:] for a in arrays]
    return {
        "epoch_seconds": epoch_seconds,
        "fit_seconds": fit_seconds,
        "import_rss_mib": import_rss_mib,
        "val_loss_real_tokens": real_token_loss(model, *validation),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "samples": len(encoder_input),
        "max_lengths": [encoder_input.shape[1], decoder_input.shape[1]],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args()
    result = run(args.data, args.epochs)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)
