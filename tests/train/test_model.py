"""The training model and the inference models derived from it by layer name."""

import keras
import numpy as np
import pytest

from train import model as names
from train.config import make_config
from train.model import build_inference_models, build_training_model


@pytest.fixture(scope="module", params=[0, 8], ids=["one-hot", "embedding"])
def model(request):
    keras.utils.set_random_seed(0)
    config = make_config("word", level="char", embedding_dim=request.param, latent_dim=16)
    return build_training_model(config, source_vocab_size=11, target_vocab_size=13)


def test_every_layer_and_input_is_named(model):
    assert {layer.name for layer in model.layers} == {
        names.ENCODER_TOKENS, names.DECODER_TOKENS, names.ENCODER_EMBEDDING,
        names.ENCODER_LSTM, names.DECODER_EMBEDDING, names.DECODER_LSTM, names.DECODER_SOFTMAX}


def test_one_hot_embedding_is_a_frozen_identity():
    config = make_config("word", level="char", embedding_dim=0, latent_dim=4)
    model = build_training_model(config, 6, 7)
    embedding = model.get_layer(names.ENCODER_EMBEDDING)
    assert not embedding.trainable
    np.testing.assert_array_equal(embedding.get_weights()[0], np.eye(6))


def test_step_by_step_decoding_reproduces_the_training_model(model):
    rng = np.random.default_rng(0)
    source = rng.integers(4, 11, (3, 5)).astype(np.int32)
    target = rng.integers(1, 13, (3, 6)).astype(np.int32)
    expected = np.asarray(model([source, target]))  # (3, 6, 13)
    encoder, decoder_step = build_inference_models(model)
    state_h, state_c = (np.asarray(x) for x in encoder(source))
    for step in range(target.shape[1]):
        outputs = decoder_step([target[:, step:step + 1], state_h, state_c])
        probabilities, state_h, state_c = (np.asarray(x) for x in outputs)
        np.testing.assert_allclose(np.asarray(probabilities), expected[:, step], atol=1e-6)


def test_padding_does_not_change_the_encoding(model):
    encoder, _ = build_inference_models(model)
    short = np.array([[5, 6, 7]], dtype=np.int32)
    padded = np.array([[5, 6, 7, 0, 0, 0], [8, 9, 10, 4, 5, 6]], dtype=np.int32)
    alone = [np.asarray(x) for x in encoder(short)]
    batched = [np.asarray(x) for x in encoder(padded)]
    for a, b in zip(alone, batched):
        np.testing.assert_allclose(b[0], a[0], atol=1e-6)


def test_inference_models_share_the_trained_layers(model):
    encoder, decoder_step = build_inference_models(model)
    assert encoder.get_layer(names.ENCODER_LSTM) is model.get_layer(names.ENCODER_LSTM)
    assert decoder_step.get_layer(names.DECODER_SOFTMAX) is model.get_layer(names.DECODER_SOFTMAX)
    assert [t.name for t in decoder_step.inputs] == [
        names.STEP_TOKEN, names.STEP_STATE_H, names.STEP_STATE_C]


def test_a_model_with_other_layer_names_is_refused_by_name():
    # the keras-io script's own model: same architecture, default layer names
    encoder_inputs, decoder_inputs = keras.Input((None, 5)), keras.Input((None, 5))
    _, h, c = keras.layers.LSTM(4, return_state=True)(encoder_inputs)
    decoded, _, _ = keras.layers.LSTM(4, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[h, c])
    foreign = keras.Model([encoder_inputs, decoder_inputs], keras.layers.Dense(5)(decoded))
    with pytest.raises(ValueError, match=names.ENCODER_LSTM):
        build_inference_models(foreign)


REGULARISED = dict(level="subword", attention="bahdanau", embedding_dim=8, latent_dim=16,
                   combine_dim=6, embedding_dropout=0.3, lstm_dropout=0.2,
                   recurrent_dropout=0.2, output_dropout=0.3)


def test_dropout_is_in_the_training_model_only():
    model = build_training_model(make_config(**REGULARISED), 11, 13)
    dropouts = {names.ENCODER_EMBEDDING_DROPOUT, names.DECODER_EMBEDDING_DROPOUT,
                names.OUTPUT_DROPOUT}
    assert dropouts <= {layer.name for layer in model.layers}
    assert model.get_layer(names.DECODER_LSTM).dropout == 0.2
    assert model.get_layer(names.DECODER_LSTM).recurrent_dropout == 0.2
    encoder, decoder_step = build_inference_models(model)
    for inference in (encoder, decoder_step):
        assert not [layer for layer in inference.layers if isinstance(layer, keras.layers.Dropout)]


def test_a_regularised_model_decodes_step_by_step_as_its_training_model_infers():
    keras.utils.set_random_seed(1)
    model = build_training_model(make_config(**REGULARISED), 11, 13)
    rng = np.random.default_rng(1)
    source = rng.integers(4, 11, (2, 5)).astype(np.int32)
    target = rng.integers(1, 13, (2, 4)).astype(np.int32)
    expected = np.asarray(model([source, target], training=False))
    assert not np.allclose(np.asarray(model([source, target], training=True)), expected)
    encoder, decoder_step = build_inference_models(model)
    state_h, state_c, memory = (np.asarray(x) for x in encoder(source))
    lengths = np.full(2, 5, np.int32)
    for step in range(target.shape[1]):
        probabilities, state_h, state_c, _ = (np.asarray(x) for x in decoder_step(
            [target[:, step:step + 1], state_h, state_c, memory, lengths]))
        np.testing.assert_allclose(probabilities, expected[:, step], atol=1e-6)


def test_combine_dim_narrows_the_output_layer_input():
    model = build_training_model(make_config(**REGULARISED), 11, 13)
    kernel, _ = model.get_layer(names.DECODER_SOFTMAX).get_weights()
    assert kernel.shape == (6, 13)  # (combine_dim, target vocabulary), not (latent_dim, ...)


def test_a_tied_output_layer_is_the_target_embedding_and_survives_saving(tmp_path):
    config = make_config(**{**REGULARISED, "combine_dim": 8, "tie_embeddings": True})
    keras.utils.set_random_seed(2)
    model = build_training_model(config, 11, 13)
    untied = build_training_model(make_config(**{**REGULARISED, "combine_dim": 8,
                                                 "tie_embeddings": False}), 11, 13)
    assert names.DECODER_SOFTMAX not in {layer.name for layer in model.layers}
    assert untied.count_params() - model.count_params() == 8 * 13  # one (8, 13) matrix less
    kernel, bias = names.output_layer_weights(model)
    embedding = model.get_layer(names.DECODER_EMBEDDING).get_weights()[0]  # (13, 8)
    np.testing.assert_array_equal(kernel, embedding.T)
    assert bias.shape == (13,)
    path = tmp_path / "tied.keras"
    model.save(path)
    again = keras.models.load_model(path, compile=False)
    rng = np.random.default_rng(2)
    inputs = [rng.integers(4, 11, (2, 5)).astype(np.int32),
              rng.integers(1, 13, (2, 4)).astype(np.int32)]
    np.testing.assert_allclose(np.asarray(again(inputs)), np.asarray(model(inputs)), atol=1e-7)
    encoder, decoder_step = build_inference_models(again)
    state_h, state_c, memory = (np.asarray(x) for x in encoder(inputs[0]))
    probabilities = np.asarray(decoder_step([inputs[1][:, :1], state_h, state_c, memory,
                                             np.full(2, 5, np.int32)])[0])
    np.testing.assert_allclose(probabilities, np.asarray(model(inputs))[:, 0], atol=1e-6)
