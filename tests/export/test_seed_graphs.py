"""export.seed_graphs: one-hot inputs from ids, and the script's argmax."""

import numpy as np
import onnxruntime
import pytest

from export.seed_graphs import decoder_graph, encoder_graph
from export.seed_model import SeedModel
from runtime import manifest as names
from runtime.vocabulary import END_ID, PAD_ID, RESERVED
from train.seed_data import KERAS_IO, WORD_NOTEBOOK

UNITS = 2


def seed_model(source_size, target_size, dense_bias, seed=0):
    rng = np.random.default_rng(seed)

    def lstm(inputs):
        return (rng.normal(0, 0.3, (inputs, 4 * UNITS)).astype(np.float32),
                rng.normal(0, 0.3, (UNITS, 4 * UNITS)).astype(np.float32),
                np.zeros(4 * UNITS, np.float32))

    dense = (np.zeros((UNITS, target_size), np.float32), np.asarray(dense_bias, np.float32))
    return SeedModel(lstm(source_size), lstm(target_size), dense, {})


def run(proto, feeds):
    session = onnxruntime.InferenceSession(proto.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


@pytest.mark.parametrize("recipe, tokens, expected", [
    # A tie between "\t" (column 0) and "\n" (column 1): np.argmax takes "\t", id 4 + 0.
    (KERAS_IO, ["\t", "\n", " ", "a"], len(RESERVED)),
    # "!" sorts before "<END>": the script takes "!", not <end>.
    (WORD_NOTEBOOK, ["!", "<END>", "<START>", "hola"], len(RESERVED)),
])
def test_next_token_is_the_scripts_argmax_even_on_ties(recipe, tokens, expected):
    bias = [1.0, 1.0] + [0.0] * (len(tokens) - 2)
    model = seed_model(3, len(tokens), bias)
    io = names.graph_io(UNITS, len(tokens) + len(RESERVED))
    feeds = {names.PREVIOUS_TOKEN: np.array([1], np.int32),
             names.STATE_H: np.zeros((1, UNITS), np.float32),
             names.STATE_C: np.zeros((1, UNITS), np.float32)}
    for variant in ("decoder", "decoder_greedy"):
        outputs = dict(zip([s.name for s in io[variant]["outputs"]],
                           run(decoder_graph(model, tokens, recipe, variant, io[variant]), feeds)))
        assert outputs[names.NEXT_TOKEN].tolist() == [expected]
    probabilities = dict(zip([s.name for s in io["decoder"]["outputs"]], run(
        decoder_graph(model, tokens, recipe, "decoder", io["decoder"]), feeds)))[names.PROBABILITIES]
    end = tokens.index(recipe.end)
    assert probabilities[0, END_ID] == probabilities[0, len(RESERVED) + 0] > 0  # tied, by id
    assert probabilities[0, len(RESERVED) + end] == 0  # the end token's own id: never emitted


def test_the_encoder_reads_pad_as_all_zero_and_unknown_ids_likewise():
    tokens = [" ", "a", "b"]
    model = seed_model(len(tokens), 2, [0.0, 0.0])
    io = names.graph_io(UNITS, 2 + len(RESERVED))["encoder"]
    proto = encoder_graph(model, tokens, io)
    zero_rows = run(proto, {names.SOURCE_TOKENS: np.array([[5, PAD_ID, 3]], np.int32)})
    kernel, recurrent, bias = model.encoder  # the same LSTM in numpy, zero rows as inputs
    h = c = np.zeros(UNITS, np.float32)
    for row in (np.eye(len(tokens))[1], np.zeros(3), np.zeros(3)):
        i, f, g, o = np.split(row @ kernel + h @ recurrent + bias, 4)
        c = 1 / (1 + np.exp(-f)) * c + 1 / (1 + np.exp(-i)) * np.tanh(g)
        h = 1 / (1 + np.exp(-o)) * np.tanh(c)
    np.testing.assert_allclose(zero_rows[0][0], h, atol=1e-6)
    np.testing.assert_allclose(zero_rows[1][0], c, atol=1e-6)
