"""The attention model: the inference models rebuilt by layer name compute exactly what the
trained model computes, and padding gets no attention, in training as at inference."""

import numpy as np
import pytest

from runtime.vocabulary import PAD_ID, START_ID
from train.attention import attention_kind
from train.config import make_config
from train.errors import ConfigError
from train.model import build_inference_models, build_training_model

KINDS = ("luong", "luong-dot", "bahdanau")


def tiny_model(attention, level="word"):
    config = make_config("word", level=level, attention=attention, embedding_dim=8, latent_dim=16)
    return build_training_model(config, 20, 30)


def padded_batch(rng):
    sources = rng.integers(4, 20, (3, 7)).astype(np.int32)
    sources[0, 4:] = PAD_ID  # lengths 4, 2, 7
    sources[1, 2:] = PAD_ID
    targets = rng.integers(4, 30, (3, 5)).astype(np.int32)
    targets[:, 0] = START_ID
    return sources, targets


@pytest.mark.parametrize("kind", KINDS)
def test_step_by_step_inference_equals_the_training_model(kind):
    model = tiny_model(kind)
    assert attention_kind(model) == kind
    sources, targets = padded_batch(np.random.default_rng(0))
    expected = np.asarray(model([sources, targets]))  # (3, 5, 30), teacher forcing
    encoder, step = build_inference_models(model)
    state_h, state_c, outputs = (np.asarray(x) for x in encoder(sources))
    assert not outputs[0, 4:].any() and not outputs[1, 2:].any()  # zero past each length
    lengths = (sources != PAD_ID).sum(axis=1).astype(np.int32)
    for t in range(targets.shape[1]):
        probabilities, state_h, state_c, weights = (np.asarray(x) for x in step(
            [targets[:, t:t + 1], state_h, state_c, outputs, lengths]))
        np.testing.assert_allclose(probabilities, expected[:, t], atol=1e-6)
        assert weights.shape == (3, 7) and (weights >= 0).all()
        assert not weights[0, 4:].any() and not weights[1, 2:].any()  # padding: exactly 0
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_training_outputs_of_a_row_do_not_depend_on_its_padding(kind):
    model = tiny_model(kind, level="char")
    sources, targets = padded_batch(np.random.default_rng(1))
    batched = np.asarray(model([sources, targets]))
    alone = np.asarray(model([sources[1:2, :2], targets[1:2]]))
    np.testing.assert_allclose(batched[1], alone[0], atol=1e-6)


def test_a_model_without_attention_keeps_the_keras_io_interfaces():
    model = tiny_model("none")
    encoder, step = build_inference_models(model)
    assert attention_kind(model) == "none"
    assert len(encoder.outputs) == 2 and len(step.inputs) == 3 and len(step.outputs) == 3


def test_unknown_attention_is_a_config_error():
    with pytest.raises(ConfigError, match="attention must be one of"):
        make_config("word", attention="transformer")
