"""The seed tutorials' training and inference code paths, written from their rules
(../shared/seeds): what our users ran before they came to us. They produce the models that
`python -m export MODEL_FILE OUT_DIR --recipe ...` imports, and the outputs it must equal.

- keras-io `lstm_seq2seq` (Keras 3 version): characters; "\\t" starts and "\\n" ends every
  target; every input padded with spaces, every target with spaces, to the longest in the
  data; layers with Keras's default names; `model.save("s2s_model.keras")`.
- the word-level "generative chatbot" notebook (Keras 2 era): words and punctuation split
  with `[\\w']+|[^\\s\\w]`; targets wrapped in "<START> ... <END>"; one-hot rows, all zero
  past a sentence's end; `training_model.save("training_model.h5")` (run with tf_keras,
  the Keras 2 of today's TensorFlow).

These are the test oracle and the benchmark's baseline, written independently of the
importer (export.seed_model, train.seed_data): the import must reproduce them.
Run as a script, it trains a keras-io model on fra.txt (see --help).
"""

import argparse
import os
import re
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NOTEBOOK_PATTERN = r"[\w']+|[^\s\w]"


class KerasIoData:
    """The keras-io script's data preparation. The script unpacks three columns; the second
    column is all it keeps, so a two-column copy of fra.txt reads the same."""

    def __init__(self, path, num_samples=10000):
        self.input_texts, self.target_texts = [], []
        input_characters, target_characters = set(), set()
        with open(path, "r", encoding="utf-8") as f:
            lines = f.read().split("\n")
        for line in lines[: min(num_samples, len(lines) - 1)]:
            input_text, target_text = line.split("\t")[:2]
            target_text = "\t" + target_text + "\n"
            self.input_texts.append(input_text)
            self.target_texts.append(target_text)
            input_characters.update(input_text)
            target_characters.update(target_text)
        self.input_characters = sorted(input_characters)
        self.target_characters = sorted(target_characters)
        self.max_encoder_seq_length = max(len(t) for t in self.input_texts)
        self.max_decoder_seq_length = max(len(t) for t in self.target_texts)
        self.input_index = {c: i for i, c in enumerate(self.input_characters)}
        self.target_index = {c: i for i, c in enumerate(self.target_characters)}

    def encoder_input(self, texts):
        """One-hot (count, max_encoder_seq_length, tokens), spaces after each text."""
        data = np.zeros((len(texts), self.max_encoder_seq_length, len(self.input_characters)),
                        dtype="float32")
        for i, text in enumerate(texts):
            for t, char in enumerate(text):
                data[i, t, self.input_index[char]] = 1.0
            data[i, len(text):, self.input_index[" "]] = 1.0
        return data

    def decoder_arrays(self):
        shape = (len(self.target_texts), self.max_decoder_seq_length, len(self.target_characters))
        decoder_input, decoder_target = np.zeros(shape, "float32"), np.zeros(shape, "float32")
        space = self.target_index[" "]
        for i, text in enumerate(self.target_texts):
            for t, char in enumerate(text):
                decoder_input[i, t, self.target_index[char]] = 1.0
                if t > 0:
                    decoder_target[i, t - 1, self.target_index[char]] = 1.0
            decoder_input[i, len(text):, space] = 1.0
            decoder_target[i, len(text) - 1:, space] = 1.0
        return decoder_input, decoder_target


class NotebookData:
    """The notebook's data preparation: every line of the file is a pair (a blank line, which
    the notebook would fail on, is skipped; so are columns after the second)."""

    def __init__(self, path, num_samples=None):
        with open(path, "r", encoding="utf-8") as f:
            lines = [line for line in f.read().split("\n") if line][:num_samples]
        self.input_docs, self.target_docs = [], []
        input_tokens, target_tokens = set(), set()
        for line in lines:
            input_doc, target_doc = line.split("\t")[:2]
            self.input_docs.append(input_doc)
            target_doc = "<START> " + " ".join(re.findall(NOTEBOOK_PATTERN, target_doc)) + " <END>"
            self.target_docs.append(target_doc)
            input_tokens.update(re.findall(NOTEBOOK_PATTERN, input_doc))
            target_tokens.update(target_doc.split())
        self.input_tokens, self.target_tokens = sorted(input_tokens), sorted(target_tokens)
        self.max_encoder_seq_length = max(len(re.findall(NOTEBOOK_PATTERN, d)) for d in self.input_docs)
        self.max_decoder_seq_length = max(len(re.findall(NOTEBOOK_PATTERN, d)) for d in self.target_docs)
        self.input_index = {t: i for i, t in enumerate(self.input_tokens)}
        self.target_index = {t: i for i, t in enumerate(self.target_tokens)}

    def encoder_input(self, docs):
        """One-hot (count, max_encoder_seq_length, tokens), all-zero rows after each doc."""
        data = np.zeros((len(docs), self.max_encoder_seq_length, len(self.input_tokens)), "float32")
        for line, doc in enumerate(docs):
            for timestep, token in enumerate(re.findall(NOTEBOOK_PATTERN, doc)):
                data[line, timestep, self.input_index[token]] = 1.0
        return data

    def decoder_arrays(self):
        shape = (len(self.target_docs), self.max_decoder_seq_length, len(self.target_tokens))
        decoder_input, decoder_target = np.zeros(shape, "float32"), np.zeros(shape, "float32")
        for line, doc in enumerate(self.target_docs):
            for timestep, token in enumerate(doc.split()):
                decoder_input[line, timestep, self.target_index[token]] = 1.0
                if timestep > 0:
                    decoder_target[line, timestep - 1, self.target_index[token]] = 1.0
        return decoder_input, decoder_target


def training_model(keras, num_encoder_tokens, num_decoder_tokens, latent_dim):
    """The tutorials' model, layers left to Keras's default names (keras: keras or tf_keras)."""
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = keras.layers.LSTM(latent_dim, return_state=True)
    _, state_h, state_c = encoder(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_outputs = keras.layers.Dense(num_decoder_tokens, activation="softmax")(decoder_outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def train(keras, data, latent_dim, epochs, batch_size, path, seed=1):
    """Fit as the tutorials do (validation_split=0.2: the last fifth) and model.save(path)."""
    keras.utils.set_random_seed(seed)
    model = training_model(keras, len(source_vocabulary(data)), len(target_vocabulary(data)),
                           latent_dim)
    decoder_input, decoder_target = data.decoder_arrays()
    model.fit([data.encoder_input(data_texts(data)), decoder_input], decoder_target,
              batch_size=batch_size, epochs=epochs, validation_split=0.2, verbose=0)
    model.save(path)
    return model


def data_texts(data):
    return data.input_texts if isinstance(data, KerasIoData) else data.input_docs


def source_vocabulary(data):
    return data.input_characters if isinstance(data, KerasIoData) else data.input_tokens


def target_vocabulary(data):
    return data.target_characters if isinstance(data, KerasIoData) else data.target_tokens


class ScriptDecoder:
    """The tutorials' inference: encoder and one-step decoder models taken from the trained
    model by position (layers 2, 3 and 4, as the scripts do), then `decode_sequence`: one
    `predict` per step, argmax, until the end token or the decoded string's length passes
    max_decoder_seq_length."""

    def __init__(self, keras, model, data):
        self.keras, self.data = keras, data
        latent_dim = model.layers[2].units
        self.encoder = keras.Model(model.input[0], list(model.layers[2].output[1:]))
        # Named: in a fresh process, Keras 3 would name them after the loaded model's inputs
        # ("input_layer_1 is used 2 times"), which breaks the script's own unnamed version.
        state_inputs = [keras.Input(shape=(latent_dim,), name="decoder_state_input_h"),
                        keras.Input(shape=(latent_dim,), name="decoder_state_input_c")]
        outputs, state_h, state_c = model.layers[3](model.input[1], initial_state=state_inputs)
        self.decoder = keras.Model([model.input[1]] + state_inputs,
                                   [model.layers[4](outputs), state_h, state_c])
        self.notebook = isinstance(data, NotebookData)
        self.tokens = target_vocabulary(data)
        self.index = data.target_index

    def decode_sequence(self, input_seq):
        """-> the decoded string exactly as the script builds it (end token included)."""
        states_value = self.encoder.predict(input_seq, verbose=0)
        target_seq = np.zeros((1, 1, len(self.tokens)))
        target_seq[0, 0, self.index["<START>" if self.notebook else "\t"]] = 1.0
        decoded_sentence = ""
        while True:
            output_tokens, h, c = self.decoder.predict([target_seq] + list(states_value), verbose=0)
            sampled_token_index = int(np.argmax(output_tokens[0, -1, :]))
            sampled = self.tokens[sampled_token_index]
            decoded_sentence += (" " + sampled) if self.notebook else sampled
            if sampled == ("<END>" if self.notebook else "\n") or \
                    len(decoded_sentence) > self.data.max_decoder_seq_length:
                return decoded_sentence
            target_seq = np.zeros((1, 1, len(self.tokens)))
            target_seq[0, 0, sampled_token_index] = 1.0
            states_value = [h, c]

    def output_text(self, decoded_sentence):
        """The decoded string without its end token (and, for the notebook, the space each
        token was written after): what the runtime's translation must equal."""
        if self.notebook:
            tokens = decoded_sentence.split(" ")[1:]
            return " ".join(tokens[:-1] if tokens[-1] == "<END>" else tokens)
        return decoded_sentence[:-1] if decoded_sentence.endswith("\n") else decoded_sentence


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train a model as the keras-io lstm_seq2seq "
                                                 "script does (Keras 3) and save it.")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "shared", "data", "fra-eng", "fra.txt"))
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--latent-dim", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=100, help="the script's 100 by default")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", default="runs/keras-io-script/s2s_model.keras")
    args = parser.parse_args(argv)
    import keras

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    started = time.time()
    train(keras, KerasIoData(args.data, args.num_samples), args.latent_dim, args.epochs,
          args.batch_size, args.out)
    print(f"saved {args.out} after {args.epochs} epochs in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
