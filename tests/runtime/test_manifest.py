import json

import pytest

from runtime import manifest as names
from runtime.errors import ManifestError
from runtime.manifest import FORMAT_VERSION, Manifest, TensorSpec, graph_io


def example(attention="none", version=FORMAT_VERSION):
    io = graph_io(8, 20, attention)
    model = {"state_size": 8, "source_vocab_size": 10, "target_vocab_size": 20}
    if version >= 3:
        model["attention"] = attention
    return Manifest(
        format_version=version,
        model=model,
        tokenization={"level": "char", "lowercase": False,
                      "special_tokens": {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3}},
        max_source_length=5, max_target_length=6,
        graphs={g: {"file": f"{g}.onnx", "inputs": [s.to_dict() for s in io[g]["inputs"]],
                    "outputs": [s.to_dict() for s in io[g]["outputs"]]} for g in io},
        opset=17, files={"encoder.onnx": "0" * 64}, versions={}, training={})


def test_round_trip_and_specs():
    manifest = example()
    again = Manifest.from_json(manifest.to_json())
    assert again == manifest
    inputs, outputs = again.io_specs("decoder")
    assert inputs[0] == TensorSpec(names.PREVIOUS_TOKEN, "int32", ("batch",))
    assert outputs[0] == TensorSpec(names.PROBABILITIES, "float32", ("batch", 20))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(format_version=FORMAT_VERSION + 1), "format version 4 is not supported"),
    (lambda d: d.update(format_version=1), "format version 1 is not supported"),
    (lambda d: d["model"].update(attention="transformer"), "model.attention 'transformer' is not"),
    (lambda d: d["model"].pop("attention"), "model.attention None is not one of"),
    (lambda d: d.update(format_version=2), "not part of format version 2"),
    # A model with attention whose graphs lack the attention tensors, and the reverse.
    (lambda d: d["model"].update(attention="luong"), "a model with attention 'luong' has "
                                                     "\\[.*'encoder_outputs'\\]"),
    (lambda d: d.pop("files"), "missing \\['files'\\]"),
    (lambda d: d.update(extra=1), "unknown \\['extra'\\]"),
])
def test_refuses_other_formats(edit, message):
    values = json.loads(example().to_json())
    edit(values)
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(json.dumps(values))


@pytest.mark.parametrize("attention", ["luong", "luong-dot", "bahdanau"])
def test_attention_models_have_the_attention_tensors(attention):
    manifest = Manifest.from_json(example(attention).to_json())
    assert manifest.attention == attention
    encoder_outputs = [s.name for s in manifest.io_specs("encoder")[1]]
    decoder_inputs, decoder_outputs = ([s.name for s in specs] for specs in manifest.io_specs("decoder"))
    assert encoder_outputs == [names.STATE_H, names.STATE_C, names.ENCODER_OUTPUTS]
    assert decoder_inputs[3:] == [names.ENCODER_OUTPUTS, names.SOURCE_LENGTHS]
    assert decoder_outputs[-1] == names.ATTENTION_WEIGHTS


def test_version_2_manifests_still_load_as_models_without_attention():
    manifest = Manifest.from_json(example(version=2).to_json())
    assert manifest.format_version == 2 and manifest.attention == "none"


def test_refuses_non_json():
    with pytest.raises(ManifestError, match="not valid JSON"):
        Manifest.from_json("{")
    with pytest.raises(ManifestError, match="expected a JSON object"):
        Manifest.from_json("[]")
