"""The Keras side of an imported seed model's proofs (export.seed_export):

- `keras_models`: the script's inference models (an encoder to its states, a one-step
  decoder), built from the file's weights with Keras 3 layers of the same settings;
- `reference_backend`: those models as a runtime.greedy.Backend over export ids, for
  export.parity's three proofs (one-hot rows and the fixed-length padding as the script
  builds them; probabilities arranged by id as the graphs arrange them);
- `script_parity`: the script's own decode_sequence, one `predict` per step as the scripts
  do, against the runtime's greedy translation of the same training sentences: the tokens and
  the text must be identical.
"""

import numpy as np

from export.seed_graphs import (NOT_A_TOKEN, column_ids, output_columns, source_index,
                                target_index)
from runtime.greedy import Backend
from runtime.vocabulary import fixed_length

SHOWN_DIFFERENCES = 20


def keras_models(model):
    """(encoder, decoder) Keras models of a SeedModel, as the scripts build them for inference."""
    import keras

    encoder_inputs = keras.Input(shape=(None, model.source_size))
    encoder_lstm = keras.layers.LSTM(model.units, return_state=True)
    _, state_h, state_c = encoder_lstm(encoder_inputs)
    encoder = keras.Model(encoder_inputs, [state_h, state_c])
    decoder_inputs = keras.Input(shape=(None, model.target_size))
    states = [keras.Input(shape=(model.units,)), keras.Input(shape=(model.units,))]
    decoder_lstm = keras.layers.LSTM(model.units, return_sequences=True, return_state=True)
    outputs, new_h, new_c = decoder_lstm(decoder_inputs, initial_state=states)
    dense = keras.layers.Dense(model.target_size, activation="softmax")
    decoder = keras.Model([decoder_inputs, *states], [dense(outputs), new_h, new_c])
    encoder_lstm.set_weights(model.encoder)
    decoder_lstm.set_weights(model.decoder)
    dense.set_weights(model.dense)
    return encoder, decoder


def _one_hot(script_indices, size):
    """(...) script indices -> (..., size) float32 one-hot rows, all zero for -1."""
    return (script_indices[..., None] == np.arange(size)).astype(np.float32)


def reference_backend(encoder, decoder, data, padding):
    """The Keras models as a Backend over export ids. data: the train.seed_data.SeedData
    whose vocabularies the export has; padding: (length, pad id), the runtime's."""
    sources = source_index(data.source_tokens)
    targets = target_index(data.target_tokens, data.recipe.start)
    columns = output_columns(data.target_tokens, data.recipe.end)
    masked, ids = columns == NOT_A_TOKEN, column_ids(columns)

    def encode(tokens):
        rows = _one_hot(sources[fixed_length(tokens, *padding)], len(data.source_tokens))
        return tuple(np.asarray(x) for x in encoder(rows, training=False))

    def outputs(token, state):
        rows = _one_hot(targets[token], len(data.target_tokens))[:, None, :]
        probabilities, state_h, state_c = (np.asarray(x) for x in decoder(
            [rows, *state], training=False))
        by_id = np.where(masked, 0.0, probabilities[:, 0, np.where(masked, 0, columns)])
        next_token = ids[probabilities[:, 0].argmax(-1)]  # the script's np.argmax, as an id
        return by_id.astype(np.float32), state_h, state_c, next_token

    def step(token, state, weights=False):
        _, state_h, state_c, next_token = outputs(token, state)
        return next_token, (state_h, state_c), None

    return Backend(encode, step, outputs)


def script_decode(encoder, decoder, data, text):
    """The script's decode_sequence on one of its input texts: -> the decoded string as the
    script builds it (each token appended after the recipe's separator, the end token
    included when it came)."""
    recipe, index = data.recipe, {t: i for i, t in enumerate(data.source_tokens)}
    input_seq = np.zeros((1, data.max_encoder_seq_length, len(data.source_tokens)), np.float32)
    tokens = recipe.source_tokens(text)
    for t, token in enumerate(tokens):
        input_seq[0, t, index[token]] = 1.0
    if recipe.pad is not None:
        input_seq[0, len(tokens):, index[recipe.pad]] = 1.0
    states_value = encoder.predict(input_seq, verbose=0)
    target_seq = np.zeros((1, 1, len(data.target_tokens)))
    target_seq[0, 0, data.target_tokens.index(recipe.start)] = 1.0
    decoded = ""
    while True:
        output_tokens, h, c = decoder.predict([target_seq, *states_value], verbose=0)
        sampled = int(np.argmax(output_tokens[0, -1, :]))
        decoded += recipe.separator + data.target_tokens[sampled]
        if data.target_tokens[sampled] == recipe.end or len(decoded) > data.max_decoder_seq_length:
            return decoded
        target_seq = np.zeros((1, 1, len(data.target_tokens)))
        target_seq[0, 0, sampled] = 1.0
        states_value = [h, c]


def script_tokens(data, decoded):
    """The tokens of a decode_sequence string, without the end token."""
    recipe = data.recipe
    tokens = list(decoded) if recipe.separator == "" else decoded.split(recipe.separator)[1:]
    return tokens[:-1] if tokens and tokens[-1] == recipe.end else tokens


def script_parity(encoder, decoder, data, translator, count, log=None):
    """Proof 4: decode_sequence against the runtime's greedy output on the first `count`
    training sentences that the script could encode (every token in its vocabulary)."""
    known = set(data.source_tokens)
    texts = [source for source, _ in data.pairs if source.strip()  # the runtime reads "" as ""
             and all(t in known for t in data.recipe.source_tokens(source))
             and len(data.recipe.source_tokens(source)) <= data.max_encoder_seq_length][:count]
    results = translator.translate_detailed(texts)
    differences, identical = [], 0
    for number, (text, result) in enumerate(zip(texts, results), 1):
        expected = script_tokens(data, script_decode(encoder, decoder, data, text))
        if list(result.tokens) == expected and result.text == data.recipe.separator.join(expected):
            identical += 1
        elif len(differences) < SHOWN_DIFFERENCES:
            differences.append({"input": text, "script": expected, "runtime": list(result.tokens)})
        if log and number % 25 == 0:
            log(f"  decode_sequence: {number}/{len(texts)} sentences")
    return {"sentences": len(texts), "identical": identical, "differences": differences}
