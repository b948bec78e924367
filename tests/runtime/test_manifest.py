import json

import pytest

from runtime import manifest as names
from runtime.errors import ManifestError
from runtime.manifest import FORMAT_VERSION, Manifest, TensorSpec, graph_io


def example():
    io = graph_io(8, 20)
    return Manifest(
        format_version=FORMAT_VERSION,
        model={"state_size": 8, "source_vocab_size": 10, "target_vocab_size": 20},
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
    (lambda d: d.update(format_version=FORMAT_VERSION + 1), "format version 3 is not supported"),
    (lambda d: d.pop("files"), "missing \\['files'\\]"),
    (lambda d: d.update(extra=1), "unknown \\['extra'\\]"),
])
def test_refuses_other_formats(edit, message):
    values = json.loads(example().to_json())
    edit(values)
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(json.dumps(values))


def test_refuses_non_json():
    with pytest.raises(ManifestError, match="not valid JSON"):
        Manifest.from_json("{")
    with pytest.raises(ManifestError, match="expected a JSON object"):
        Manifest.from_json("[]")
