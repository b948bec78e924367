import json

import pytest

from runtime import manifest as names
from runtime.errors import ManifestError
from runtime.manifest import FORMAT_VERSION, Manifest, TensorSpec, graph_io


SHORTLIST = {"file": names.SHORTLIST_FILE, "output_layer": names.SHORTLIST_OUTPUT_FILE,
             "frequent": 5, "per_source_token": 3}


def example(attention="none", version=FORMAT_VERSION, shortlist=False, level="char",
            output_size=None):
    io = graph_io(8, 20, attention, version, shortlist, output_size=output_size)
    model = {"state_size": 8, "source_vocab_size": 10, "target_vocab_size": 20}
    if version >= 3:
        model["attention"] = attention
    if version >= 5:
        model["output_size"] = output_size or 8
    files = {names.GRAPH_FILES[g]: "0" * 64 for g in io}
    tokenization = {"level": level, "lowercase": False,
                    "special_tokens": {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3}}
    if level == "subword":
        tokenization["subword_models"] = dict(names.SUBWORD_MODELS)
        files.update({name: "0" * 64 for name in names.SUBWORD_MODELS.values()})
    if shortlist:
        files.update({names.SHORTLIST_FILE: "0" * 64, names.SHORTLIST_OUTPUT_FILE: "0" * 64})
    extra = {} if version < 4 else {"precision": "float32", "shortlist": SHORTLIST if shortlist
                                    else None}
    return Manifest(
        format_version=version,
        model=model,
        tokenization=tokenization,
        max_source_length=5, max_target_length=6,
        graphs={g: {"file": names.GRAPH_FILES[g], "inputs": [s.to_dict() for s in io[g]["inputs"]],
                    "outputs": [s.to_dict() for s in io[g]["outputs"]]} for g in io},
        opset=17, files=files, versions={}, training={}, **extra)


def test_round_trip_and_specs():
    manifest = example()
    again = Manifest.from_json(manifest.to_json())
    assert again == manifest
    inputs, outputs = again.io_specs("decoder")
    assert inputs[0] == TensorSpec(names.PREVIOUS_TOKEN, "int32", ("batch",))
    assert outputs[0] == TensorSpec(names.PROBABILITIES, "float32", ("batch", 20))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(format_version=FORMAT_VERSION + 1), "format version 7 is not supported.*"
                                                            "upgrade this runtime"),
    (lambda d: d.update(format_version=1), "format version 1 is not supported"),
    (lambda d: d["model"].update(attention="transformer"), "model.attention 'transformer' is not"),
    (lambda d: d["model"].pop("attention"), "model.attention None is not one of"),
    (lambda d: d.update(format_version=3), "unknown \\['precision', 'shortlist'\\]"),
    (lambda d: d.update(precision="int4"), "precision 'int4' is not one of"),
    (lambda d: d.update(shortlist={"file": "x.json"}), "shortlist must be null or"),
    (lambda d: d.update(shortlist=SHORTLIST), "shortlist.json has no hash"),
    (lambda d: (d.update(shortlist=SHORTLIST), d["files"].update(
        {"shortlist.json": "0" * 64, "shortlist_output.npz": "0" * 64})),
     "graphs must describe exactly"),
    (lambda d: d["graphs"].pop("decoder_greedy"), "graphs must describe exactly"),
    (lambda d: d["files"].pop("decoder_top_k.onnx"), "decoder_top_k.onnx has no hash"),
    # A model with attention whose graphs lack the attention tensors, and the reverse.
    (lambda d: d["model"].update(attention="luong"), "a model with attention 'luong' has "
                                                     "\\[.*'encoder_outputs'\\]"),
    (lambda d: d.pop("files"), "missing \\['files'\\]"),
    (lambda d: d.update(extra=1), "unknown \\['extra'\\]"),
    (lambda d: d["model"].pop("output_size"), "model.output_size must be a positive integer"),
    (lambda d: d["tokenization"].update(level="bpe"), "tokenization must give a level in"),
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
    assert manifest.precision == "float32" and manifest.shortlist is None
    assert set(manifest.graphs) == {"encoder", "decoder"}


def test_version_2_manifests_have_no_attention_field():
    values = json.loads(example(version=2).to_json())
    values["model"]["attention"] = "none"
    with pytest.raises(ManifestError, match="not part of format version 2"):
        Manifest.from_json(json.dumps(values))


def test_format_4_lists_the_lean_and_shortlist_graphs():
    manifest = Manifest.from_json(example(shortlist=True).to_json())
    assert list(manifest.graphs) == list(names.GRAPH_FILES)
    inputs, outputs = manifest.io_specs("decoder_top_k_shortlist")
    assert [s.name for s in inputs][-5:] == [names.CANDIDATE_IDS, names.CANDIDATE_KERNEL,
                                             names.CANDIDATE_BIAS, names.CANDIDATE_MASK, names.TOP_K]
    assert [s.name for s in outputs][:2] == [names.TOP_LOG_PROBABILITIES, names.TOP_IDS]
    assert manifest.io_specs("decoder_greedy")[1][0].name == names.NEXT_TOKEN


def test_refuses_non_json():
    with pytest.raises(ManifestError, match="not valid JSON"):
        Manifest.from_json("{")
    with pytest.raises(ManifestError, match="expected a JSON object"):
        Manifest.from_json("[]")


def test_a_subword_manifest_names_and_hashes_its_sentencepiece_models():
    manifest = Manifest.from_json(example(level="subword").to_json())
    assert manifest.tokenization["subword_models"] == {
        "source": "source_subword.model", "target": "target_subword.model"}
    assert set(names.SUBWORD_MODELS.values()) <= set(manifest.files)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["files"].pop("target_subword.model"), "target_subword.model has no hash"),
    (lambda d: d["tokenization"].pop("subword_models"), "subword_models must be"),
    (lambda d: d["tokenization"].update(subword_models={"source": "../x.model",
                                                        "target": "y.model"}),
     "subword_models must be"),
    (lambda d: (d.update(format_version=4), d["model"].pop("output_size")),
     "the subword level needs format 5"),
])
def test_refuses_subword_manifests_without_their_models(edit, message):
    values = json.loads(example(level="subword").to_json())
    edit(values)
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(json.dumps(values))


def test_a_narrower_output_layer_input_shapes_the_shortlist_kernel():
    manifest = Manifest.from_json(example("bahdanau", shortlist=True, output_size=4).to_json())
    assert manifest.output_size == 4 and manifest.model["state_size"] == 8
    inputs, _ = manifest.io_specs("decoder_greedy_shortlist")
    kernel = next(s for s in inputs if s.name == names.CANDIDATE_KERNEL)
    assert kernel.shape == ("candidates", 4)


def test_version_4_manifests_read_as_output_size_equal_to_state_size():
    assert Manifest.from_json(example(version=4).to_json()).output_size == 8
