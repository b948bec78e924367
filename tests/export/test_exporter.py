"""The project's parity tests: each supported model kind exported and proved against Keras."""

import json

import onnx
import pytest

from export.errors import ExportError
from export.exporter import export_run
from runtime import manifest as names
from runtime.manifest import Manifest
from train.run_dir import file_sha256

KINDS = ["char", "word"]


@pytest.mark.parametrize("kind", KINDS)
def test_export_directory_and_manifest(exports, kind):
    folder, manifest, _ = exports[kind]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [names.MANIFEST_FILE, names.ENCODER_FILE, names.DECODER_FILE, names.SOURCE_VOCAB_FILE,
         names.TARGET_VOCAB_FILE, names.PARITY_FILE])
    loaded = Manifest.from_json((folder / names.MANIFEST_FILE).read_text())
    assert loaded == manifest
    assert loaded.tokenization["level"] == kind
    assert loaded.tokenization["special_tokens"] == {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3}
    assert loaded.model["state_size"] == 16 and loaded.opset == 17
    assert set(loaded.versions) >= {"keras", "tensorflow", "tf2onnx", "onnx", "onnxruntime"}
    assert loaded.training["config"]["level"] == kind and loaded.max_source_length > 0


@pytest.mark.parametrize("kind", KINDS)
def test_every_file_hash_is_in_the_manifest(exports, kind):
    folder, manifest, _ = exports[kind]
    assert set(manifest.files) == {p.name for p in folder.iterdir()} - {names.MANIFEST_FILE}
    for name, digest in manifest.files.items():
        assert file_sha256(folder / name) == digest


@pytest.mark.parametrize("kind", KINDS)
def test_graphs_use_one_fused_lstm_and_no_loop(exports, kind):
    folder, _, _ = exports[kind]
    for name in (names.ENCODER_FILE, names.DECODER_FILE):
        ops = [node.op_type for node in onnx.load(folder / name).graph.node]
        assert ops.count("LSTM") == 1 and not {"Loop", "Scan", "If"} & set(ops)


@pytest.mark.parametrize("kind", KINDS)
def test_graph_io_names_dtypes_shapes_match_the_manifest(exports, kind):
    folder, manifest, report = exports[kind]
    assert report["io"] == []
    for graph in ("encoder", "decoder"):
        model = onnx.load(folder / manifest.graphs[graph]["file"])
        found = [(v.name, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim])
                 for v in [*model.graph.input, *model.graph.output]]
        inputs, outputs = manifest.io_specs(graph)
        assert found == [(s.name, list(s.shape)) for s in [*inputs, *outputs]]


@pytest.mark.parametrize("kind", KINDS)
def test_numeric_and_sentence_parity_with_keras(exports, kind):
    folder, _, report = exports[kind]
    assert report == json.loads((folder / names.PARITY_FILE).read_text())
    numeric = report["numeric"]
    assert numeric["cases"] == 18  # batch sizes 1, 7, 64 x 3 lengths x random/real
    for graph in ("encoder", "decoder"):
        assert all(0 <= d <= 1e-5 for d in numeric[graph].values()), numeric[graph]
    assert numeric["batch_invariance"] <= 1e-5
    sentences = report["sentences"]
    assert sentences["sentences"] >= 60  # the tiny runs hold 60 validation pairs
    assert sentences["identical"] == sentences["sentences"] and sentences["differences"] == []


def test_existing_out_dir_is_refused_without_force(runs, exports):
    folder, _, _ = exports["char"]
    before = (folder / names.MANIFEST_FILE).read_bytes()
    with pytest.raises(ExportError, match="already exists; pass --force"):
        export_run(runs["char"], folder, log=lambda line: None)
    assert (folder / names.MANIFEST_FILE).read_bytes() == before


def test_force_replaces_atomically_and_leaves_no_temporary(runs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("old export")
    export_run(runs["word"], out, force=True, log=lambda line: None)
    assert not (out / "stale.txt").exists() and (out / names.MANIFEST_FILE).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_not_a_run_is_refused(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        export_run(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(ExportError, match="not a training run"):
        export_run(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_failed_proofs_list_every_failure_and_leave_nothing(runs, tmp_path, monkeypatch):
    from export import parity
    from export.errors import ParityError

    monkeypatch.setattr(parity, "TOLERANCE", -1.0)  # no difference can pass: all must be listed
    with pytest.raises(ParityError) as caught:
        export_run(runs["char"], tmp_path / "out", log=lambda line: None)
    message = str(caught.value)
    for output in ("state_h", "state_c", "probabilities", "state_h_out", "state_c_out"):
        assert f"output {output}:" in message
    assert "5 failures" in message or "6 failures" in message
    assert list(tmp_path.iterdir()) == []


def test_a_model_the_exporter_does_not_know_is_refused(runs, tmp_path):
    import shutil

    import keras

    run = tmp_path / "run"
    shutil.copytree(runs["char"], run)
    tokens = keras.Input((None,), dtype="int32")
    keras.Model(tokens, keras.layers.Embedding(12, 4)(tokens)).save(run / "model.keras")
    with pytest.raises(ExportError, match="no layer named 'encoder_embedding'"):
        export_run(run, tmp_path / "out", log=lambda line: None)
    assert not (tmp_path / "out").exists()
