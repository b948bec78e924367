"""A faithful re-implementation of the keras-io `lstm_seq2seq` example's training.

This is the baseline the training benchmark compares against: one-hot inputs AND one-hot
targets, every sequence padded (with spaces) to the longest in the whole dataset, Keras's
`validation_split` (the last 20%), RMSprop, categorical cross-entropy. The only change from
the published script: it accepts the two-column `fra.txt` as well as the three-column one.

Run alone:  python benchmarks/keras_io_baseline.py --data PATH --epochs 2
"""

import argparse
import json
import resource
import time

import numpy as np


def vectorize(data_path, num_samples):
    """Build the keras-io example's three dense one-hot arrays (verbatim logic)."""
    input_texts, target_texts = [], []
    input_characters, target_characters = set(), set()
    with open(data_path, "r", encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines[: min(num_samples, len(lines) - 1)]:
        input_text, target_text = line.split("\t")[:2]
        # "\t" is the start-of-sequence character, "\n" the end-of-sequence character.
        target_text = "\t" + target_text + "\n"
        input_texts.append(input_text)
        target_texts.append(target_text)
        input_characters.update(input_text)
        target_characters.update(target_text)
    input_characters = sorted(input_characters)
    target_characters = sorted(target_characters)
    max_encoder_seq_length = max(len(t) for t in input_texts)
    max_decoder_seq_length = max(len(t) for t in target_texts)
    input_token_index = {char: i for i, char in enumerate(input_characters)}
    target_token_index = {char: i for i, char in enumerate(target_characters)}

    shape_in = (len(input_texts), max_encoder_seq_length, len(input_characters))
    shape_out = (len(input_texts), max_decoder_seq_length, len(target_characters))
    encoder_input_data = np.zeros(shape_in, dtype="float32")
    decoder_input_data = np.zeros(shape_out, dtype="float32")
    decoder_target_data = np.zeros(shape_out, dtype="float32")
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        encoder_input_data[i, t + 1 :, input_token_index[" "]] = 1.0
        for t, char in enumerate(target_text):
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            if t > 0:
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
        decoder_input_data[i, t + 1 :, target_token_index[" "]] = 1.0
        decoder_target_data[i, t:, target_token_index[" "]] = 1.0
    # Real (non-pad) target positions: the target text minus its leading "\t".
    target_lengths = np.array([len(t) - 1 for t in target_texts])
    return encoder_input_data, decoder_input_data, decoder_target_data, target_lengths


def build_model(num_encoder_tokens, num_decoder_tokens, latent_dim):
    import keras

    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = keras.layers.LSTM(latent_dim, return_state=True)
    _, state_h, state_c = encoder(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_outputs))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args()
    result = run(args.data, args.epochs)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)
