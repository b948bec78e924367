"""Checks at load: each damage gives an ExportLoadError naming the file and what differs."""

import hashlib
import json
import shutil

import numpy as np
import pytest

from runtime import ExportLoadError, ManifestError, Translator
from runtime import manifest as names


@pytest.fixture
def export_copy(exports, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(exports["char"][0], folder)
    return folder


def edit_manifest(folder, change):
    values = json.loads((folder / names.MANIFEST_FILE).read_text())
    change(values)
    (folder / names.MANIFEST_FILE).write_text(json.dumps(values))


def test_edited_vocabulary_is_a_hash_mismatch(export_copy):
    vocab = export_copy / names.TARGET_VOCAB_FILE
    vocab.write_text(vocab.read_text().replace('"a"', '"A"'))
    with pytest.raises(ExportLoadError, match="target_vocab.json: SHA-256 .* differs from the manifest"):
        Translator.load(export_copy)


def as_format(version):
    """An edit that makes a format 5 export's manifest one of an older format: 4 has no
    model.output_size, and 2 and 3 have only encoder.onnx and decoder.onnx (the lean graphs'
    files stay, unlisted and unused)."""
    def edit(manifest):
        manifest["format_version"] = version
        del manifest["model"]["output_size"]
        if version == 4:
            return
        if version == 2:
            del manifest["model"]["attention"]
        del manifest["precision"], manifest["shortlist"]
        for graph in names.LEAN_GRAPHS:
            del manifest["files"][manifest["graphs"].pop(graph)["file"]]
    return edit


@pytest.mark.parametrize("version", [2, 3, 4])
def test_an_older_export_still_loads_and_translates(exports, export_copy, version):
    from runtime import Decoding

    edit_manifest(export_copy, as_format(version))
    old, new = Translator.load(export_copy), Translator.load(exports["char"][0])
    assert old.manifest.attention == "none"
    assert set(old.sessions) == ({"encoder", "decoder"} if version < 4 else set(new.sessions))
    assert old.translate("abc") == new.translate("abc")
    beam = Decoding("beam", beam_width=3, n_best=2)  # top-k on the host, from probabilities
    older, newer = (t.translate_detailed(["abc", "ba"], decoding=beam) for t in (old, new))
    for a, b in zip(older, newer):
        assert [c.tokens for c in a.n_best] == [c.tokens for c in b.n_best]
        np.testing.assert_allclose([c.score for c in a.n_best], [c.score for c in b.n_best],
                                   rtol=1e-5)


def test_future_format_version(export_copy):
    edit_manifest(export_copy, lambda m: m.update(format_version=99))
    with pytest.raises(ManifestError, match="format version 99 is not supported .*written by a "
                                            "newer `python -m export`: upgrade this runtime"):
        Translator.load(export_copy)


@pytest.mark.parametrize("name", [names.ENCODER_FILE, names.DECODER_FILE, names.MANIFEST_FILE])
def test_missing_files(export_copy, name):
    (export_copy / name).unlink()
    with pytest.raises(ExportLoadError, match=name):
        Translator.load(export_copy)


def test_vocabulary_and_graph_sizes_must_agree(export_copy):
    def claim_999_targets(manifest):
        manifest["model"].update(target_vocab_size=999)
        manifest["graphs"]["decoder"]["outputs"][0]["shape"] = ["batch", 999]
    edit_manifest(export_copy, claim_999_targets)
    with pytest.raises(ExportLoadError, match="target_vocab.json: 12 tokens, but .* have 999"):
        Translator.load(export_copy)


def test_manifest_sizes_and_tensor_shapes_must_agree(export_copy):
    edit_manifest(export_copy, lambda m: m["model"].update(target_vocab_size=999))
    with pytest.raises(ManifestError, match=r"probabilities is float32 \['batch', 12\], but "
                                            r"the model's sizes .* make it float32 \['batch', 999\]"):
        Translator.load(export_copy)


def test_manifest_tensors_must_be_the_formats(export_copy):
    edit_manifest(export_copy, lambda m: m["graphs"]["encoder"]["inputs"][0].update(name="tokens"))
    with pytest.raises(ManifestError, match=r"graphs.encoder.inputs are \['tokens'\], but a "
                                            r"model with attention 'none' has \['source_tokens'\]"):
        Translator.load(export_copy)


def test_graph_io_must_match_the_manifest(export_copy):
    # Both graphs hashed correctly but each in the other's place: the sessions disagree.
    encoder, decoder = (export_copy / names.ENCODER_FILE), (export_copy / names.DECODER_FILE)
    encoder_bytes, decoder_bytes = encoder.read_bytes(), decoder.read_bytes()
    encoder.write_bytes(decoder_bytes)
    decoder.write_bytes(encoder_bytes)
    edit_manifest(export_copy, lambda m: m["files"].update({
        names.ENCODER_FILE: hashlib.sha256(decoder_bytes).hexdigest(),
        names.DECODER_FILE: hashlib.sha256(encoder_bytes).hexdigest()}))
    with pytest.raises(ExportLoadError, match="encoder.onnx: encoder inputs are"):
        Translator.load(export_copy)


def test_garbage_onnx_with_a_matching_hash_is_refused(export_copy):
    import hashlib

    (export_copy / names.DECODER_FILE).write_bytes(b"\x00garbage")
    edit_manifest(export_copy, lambda m: m["files"].update(
        {names.DECODER_FILE: hashlib.sha256(b"\x00garbage").hexdigest()}))
    with pytest.raises(ExportLoadError, match="decoder.onnx: onnxruntime cannot load it"):
        Translator.load(export_copy)


def test_file_names_cannot_point_outside(export_copy):
    edit_manifest(export_copy, lambda m: m["files"].update({"../secret": "0" * 64}))
    with pytest.raises(ExportLoadError, match="points outside the export directory"):
        Translator.load(export_copy)


def test_not_a_folder(tmp_path):
    with pytest.raises(ExportLoadError, match="no such folder"):
        Translator.load(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportLoadError, match="not a folder"):
        Translator.load(tmp_path / "file")


def test_a_graph_with_external_data_is_refused(export_copy, monkeypatch):
    import hashlib

    import onnx
    from onnx.external_data_helper import convert_model_to_external_data

    path = export_copy / names.DECODER_FILE
    model = onnx.load(path)
    convert_model_to_external_data(model, location="weights.bin", size_threshold=0)
    onnx.save(model, path)  # decoder.onnx now points at weights.bin beside it
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    edit_manifest(export_copy, lambda m: m["files"].update({names.DECODER_FILE: digest}))
    monkeypatch.chdir(export_copy)  # where onnxruntime would find weights.bin from bytes
    with pytest.raises(ExportLoadError, match="decoder.onnx: refers to external data"):
        Translator.load(export_copy)


@pytest.mark.parametrize("change, message", [
    (lambda m: m["tokenization"].update(level="bpe"), "a level in \\('char', 'word', 'subword'\\)"),
    (lambda m: m["tokenization"].update(lowercase="no"), "boolean lowercase"),
    (lambda m: m.update(max_target_length="14"), "must be positive integers"),
    (lambda m: m.update(model=[]), "positive integer state_size"),
    (lambda m: m["graphs"]["decoder"].update(file="../x.onnx"), "graphs.decoder.file must be"),
    (lambda m: m["graphs"]["decoder"]["outputs"][0].update(dtype="bfloat16"), "dtype"),
    (lambda m: m["tokenization"]["special_tokens"].update({"<end>": 9}), "special_tokens"),
])
def test_malformed_manifest_values_are_manifest_errors(export_copy, change, message):
    edit_manifest(export_copy, change)
    with pytest.raises(ManifestError, match=message):
        Translator.load(export_copy)


@pytest.fixture
def subword_copy(exports, tmp_path):
    folder = tmp_path / "subword"
    shutil.copytree(exports["subword-bahdanau"][0], folder)
    return folder


@pytest.mark.parametrize("name", [names.SOURCE_SUBWORD_FILE, names.TARGET_SUBWORD_FILE])
def test_a_damaged_subword_model_is_a_hash_mismatch(subword_copy, name):
    path = subword_copy / name
    path.write_bytes(path.read_bytes()[:-1] + b"x")
    with pytest.raises(ExportLoadError, match=f"{name}: SHA-256 .* differs from the manifest"):
        Translator.load(subword_copy)


def test_a_missing_subword_model_is_named(subword_copy):
    (subword_copy / names.SOURCE_SUBWORD_FILE).unlink()
    with pytest.raises(ExportLoadError, match="source_subword.model: unreadable"):
        Translator.load(subword_copy)


def test_a_subword_model_whose_pieces_are_not_the_vocabulary_is_refused(subword_copy):
    """Both files rehashed (edited by hand): the model of the other side does not fit."""
    source, target = (subword_copy / n for n in (names.SOURCE_SUBWORD_FILE,
                                                 names.TARGET_SUBWORD_FILE))
    source.write_bytes(target.read_bytes())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    edit_manifest(subword_copy, lambda m: m["files"].update({source.name: digest}))
    with pytest.raises(ExportLoadError, match="source_subword.model: its \\d+ pieces are not "
                                              "the \\d+ tokens of the source vocabulary"):
        Translator.load(subword_copy)


def test_a_subword_export_without_sentencepiece_says_what_to_install(subword_copy, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # import fails as if absent
    with pytest.raises(ExportLoadError, match="needs the sentencepiece package, which is not "
                                              "installed: pip install sentencepiece"):
        Translator.load(subword_copy)


def test_a_char_export_never_imports_sentencepiece(export_copy, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sentencepiece", None)
    assert Translator.load(export_copy).translate("abc") is not None
