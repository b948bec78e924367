"""The TFLite baseline (benchmarks/tflite_methods.py) on tiny untrained models: fp32 must
decode exactly as the Keras models do, padding and finished-row compaction included."""

import sys

import numpy as np
import pytest

from tests.conftest import ROOT

pytest.importorskip("tensorflow")
sys.path.insert(0, str(ROOT / "benchmarks"))

import tflite_methods  # noqa: E402
from runtime.greedy import greedy_decode  # noqa: E402
from runtime.vocabulary import END_ID, START_ID  # noqa: E402
from train.config import make_config  # noqa: E402
from train.decode import keras_backend  # noqa: E402
from train.model import DECODER_SOFTMAX, build_inference_models, build_training_model  # noqa: E402

UNITS, SOURCE_VOCAB, TARGET_VOCAB, MAX_LENGTH = 16, 20, 30, 12
LENGTHS = [6, 1, 3, 5, 2, 6, 4]  # one padded batch, right-padded with PAD_ID (0)


def inference_models(embedding_dim=8, attention="none"):
    """(encoder, decoder_step) with random N(0, 0.5) weights (untrained models' outputs
    barely depend on the input); a one-hot embedding stays the identity."""
    config = make_config("word", level="word", embedding_dim=embedding_dim, latent_dim=UNITS,
                         attention=attention)
    model = build_training_model(config, SOURCE_VOCAB, TARGET_VOCAB)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.trainable and layer.weights:
            layer.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32)
                               for w in layer.get_weights()])
    return build_inference_models(model)


def padded_batch():
    rng = np.random.default_rng(1)
    tokens = np.zeros((len(LENGTHS), max(LENGTHS)), dtype=np.int32)
    for row, length in enumerate(LENGTHS):
        tokens[row, :length] = rng.integers(4, SOURCE_VOCAB, length)
    return tokens


def end_rows_at_different_steps(decoder_step, tokens, backend):
    """Raise the <end> bias until rows finish at >= 3 different steps, so greedy_decode
    compacts the batch several times. -> the Keras outputs."""
    layer = decoder_step.get_layer(DECODER_SOFTMAX)
    kernel, bias = layer.get_weights()
    for end_bias in np.arange(0.0, 2.0, 0.1):
        layer.set_weights([kernel, np.where(np.arange(len(bias)) == END_ID, end_bias, bias)])
        outputs = greedy_decode(backend, tokens, MAX_LENGTH)
        if len({len(o) for o in outputs}) >= 3:
            return outputs
    pytest.fail("no <end> bias makes the rows finish at different steps")


@pytest.mark.parametrize("embedding_dim", [8, 0], ids=["embedding", "one-hot"])
def test_fp32_decodes_exactly_as_keras(embedding_dim):
    encoder, decoder_step = inference_models(embedding_dim)
    tokens, keras = padded_batch(), keras_backend(encoder, decoder_step)
    expected = end_rows_at_different_steps(decoder_step, tokens, keras)
    tflite = tflite_methods.tflite_backend(*tflite_methods.convert(encoder, decoder_step))

    assert greedy_decode(tflite, tokens, MAX_LENGTH) == expected
    # Masking kept: every padded row ends in the Keras state of its unpadded input.
    state = tflite.encode(tokens)
    np.testing.assert_allclose(state, keras.encode(tokens), atol=1e-5)
    for row, length in enumerate(LENGTHS):
        np.testing.assert_allclose([s[row] for s in state],
                                   [s[0] for s in keras.encode(tokens[row:row + 1, :length])],
                                   atol=1e-5)
    token = np.full(len(tokens), START_ID, dtype=np.int32)
    next_token, new_state, weights = tflite.step(token, state)
    expected_token, expected_state, _ = keras.step(token, state)
    assert next_token.dtype == np.int32 and weights is None
    np.testing.assert_array_equal(next_token, expected_token)
    np.testing.assert_allclose(new_state, expected_state, atol=1e-5)


def test_int8_converts_and_decodes():
    encoder, decoder_step = inference_models()
    fp32 = tflite_methods.convert(encoder, decoder_step)
    int8 = tflite_methods.convert(encoder, decoder_step, quantize=True)
    assert all(len(q) < len(f) for q, f in zip(int8, fp32))  # int8 weights
    backend, tokens = tflite_methods.tflite_backend(*int8), padded_batch()
    state_h, state_c = backend.encode(tokens)
    assert state_h.shape == state_c.shape == (len(tokens), UNITS)
    next_token, (h, c), _ = backend.step(np.full(3, START_ID, np.int32), (state_h[:3],
                                                                          state_c[:3]))
    assert next_token.shape == (3,) and next_token.dtype == np.int32
    assert h.shape == c.shape == (3, UNITS)
    outputs = greedy_decode(backend, tokens, MAX_LENGTH)
    assert len(outputs) == len(tokens) and all(len(o) <= MAX_LENGTH for o in outputs)
    assert all(0 <= t < TARGET_VOCAB for o in outputs for t in o)


def test_attention_models_are_refused():
    encoder, decoder_step = inference_models(attention="luong")
    with pytest.raises(ValueError, match="without attention"):
        tflite_methods.convert(encoder, decoder_step)
