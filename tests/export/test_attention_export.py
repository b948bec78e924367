"""Attention models export end to end: the manifest describes the extra tensors and the
three proofs hold unchanged, the attention tensors included (test_exporter.py checks every
kind's files, hashes, fused LSTM ops and graph I/O)."""

import pytest

from export import parity
from runtime import manifest as names
from tests.conftest import ATTENTION_KINDS, KINDS


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_manifest_describes_the_attention_tensors(exports, kind):
    _, manifest, _ = exports[kind]
    assert manifest.format_version == names.RUN_FORMAT_VERSION == 5
    assert manifest.attention == KINDS[kind][1]
    assert manifest.tokenization["level"] == KINDS[kind][0]
    inputs, outputs = manifest.io_specs("decoder")
    assert [s.name for s in inputs][3:] == [names.ENCODER_OUTPUTS, names.SOURCE_LENGTHS]
    assert outputs[-1].name == names.ATTENTION_WEIGHTS
    assert outputs[-1].shape == ("batch", "source_length")
    assert manifest.io_specs("encoder")[1][-1].shape == ("batch", "source_length",
                                                         manifest.model["state_size"])


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_the_three_proofs_hold(exports, kind):
    _, _, report = exports[kind]
    assert parity.failures(report) == []
    assert report["io"] == []
    numeric = report["numeric"]
    assert set(numeric["encoder"]) == {names.STATE_H, names.STATE_C, names.ENCODER_OUTPUTS}
    assert numeric["decoder"][names.ATTENTION_WEIGHTS] <= parity.TOLERANCE
    assert numeric["batch_invariance"] <= parity.TOLERANCE
    sentences = report["sentences"]
    assert sentences["sentences"] > 0 and sentences["identical"] == sentences["sentences"]
