"""The project's parity tests: each supported model kind exported and proved against Keras."""

import json
import shutil

import onnx
import pytest

from export.errors import ExportError, ParityError
from export.exporter import export_run
from export.graphs import FORBIDDEN_OPS
from runtime import manifest as names
from runtime.manifest import Manifest
from tests.conftest import KINDS as LEVEL_AND_ATTENTION
from train.run_dir import file_sha256

KINDS = list(LEVEL_AND_ATTENTION)  # char and word, each attention kind


@pytest.mark.parametrize("kind", KINDS)
def test_export_directory_and_manifest(exports, kind):
    folder, manifest, _ = exports[kind]
    subword = list(names.SUBWORD_MODELS.values()) if kind.startswith("subword") else []
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [names.MANIFEST_FILE, names.ENCODER_FILE, names.DECODER_FILE, "decoder_greedy.onnx",
         "decoder_top_k.onnx", names.SOURCE_VOCAB_FILE, names.TARGET_VOCAB_FILE,
         names.PARITY_FILE, *subword])
    loaded = Manifest.from_json((folder / names.MANIFEST_FILE).read_text())
    assert loaded == manifest
    level, attention = LEVEL_AND_ATTENTION[kind]
    assert loaded.tokenization["level"] == level and loaded.attention == attention
    assert loaded.tokenization["special_tokens"] == {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3}
    assert loaded.model["state_size"] == 16 and loaded.opset == 17
    assert loaded.format_version == 5 and loaded.precision == "float32" and loaded.shortlist is None
    assert set(loaded.versions) >= {"keras", "tensorflow", "tf2onnx", "onnx", "onnxruntime"}
    assert loaded.training["config"]["level"] == level and loaded.max_source_length > 0


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
        assert ops.count("LSTM") == 1 and not FORBIDDEN_OPS & set(ops)


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
    assert len(numeric["cases"]) == 12  # batch sizes 1, 7, 64 x (3 random lengths + real)
    assert any(f"-{_longest(report)}" in case for case in numeric["cases"])
    for graph in ("encoder", "decoder"):
        assert all(0 <= d <= 1e-5 for d in numeric[graph].values()), numeric[graph]
    assert numeric["batch_invariance"] <= 1e-5
    sentences = report["sentences"]
    assert sentences["sentences"] >= 60  # the tiny runs hold 60 validation pairs
    assert sentences["identical"] == sentences["sentences"] and sentences["differences"] == []


def _longest(report):
    return max(int(case.rsplit("-", 1)[1]) for case in report["numeric"]["cases"])


def test_existing_out_dir_is_refused_without_force(runs, exports):
    folder, _, _ = exports["char"]
    before = (folder / names.MANIFEST_FILE).read_bytes()
    with pytest.raises(ExportError, match="already exists; pass --force"):
        export_run(runs["char"], folder, log=lambda line: None)
    assert (folder / names.MANIFEST_FILE).read_bytes() == before


def test_force_replaces_an_export_and_leaves_no_temporary(runs, exports, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(exports["char"][0], out)
    manifest, _ = export_run(runs["word"], out, force=True, log=lambda line: None)
    assert Manifest.from_json((out / names.MANIFEST_FILE).read_text()) == manifest
    assert manifest.tokenization["level"] == "word"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no lock file left


@pytest.mark.parametrize("make, message", [
    (lambda out, run: (out.mkdir(), (out / "thesis.txt").write_text("mine")),
     "holds files that are not an export"),
    (lambda out, run: out.write_text("a file"), "is a file or a link"),
    (lambda out, run: out.symlink_to(run), "is a file or a link"),
])
def test_force_never_replaces_what_is_not_an_export(runs, tmp_path, make, message):
    out = tmp_path / "out"
    make(out, runs["char"])
    with pytest.raises(ExportError, match=message):
        export_run(runs["char"], out, force=True, log=lambda line: None)
    assert out.is_symlink() or out.exists()


def test_force_never_replaces_the_training_run(runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs["char"], run)
    for out in (run, tmp_path):
        with pytest.raises(ExportError, match="would replace the training run"):
            export_run(run, out, force=True, log=lambda line: None)
    assert (run / "model.keras").exists()


def test_a_concurrent_export_into_the_same_folder_is_refused(runs, tmp_path):
    from export.target import ExportTarget

    with ExportTarget(tmp_path / "out", runs["char"], force=False).staging():
        with pytest.raises(ExportError, match="another export into .*out is running"):
            export_run(runs["char"], tmp_path / "out", log=lambda line: None)


@pytest.mark.parametrize("damage, message", [
    (lambda run: (run / "config.json").write_text("{"), "is unreadable or damaged"),
    (lambda run: (run / "model.keras").write_bytes(b"not a zip"), "model.keras cannot be loaded"),
    (lambda run: (run / "history.json").unlink(), "has no history.json yet"),
    (lambda run: (run / "target_vocab.json").write_text("[1]"), "list of strings"),
    (lambda run: (run / "source_subword.model").write_bytes(b"x"),
     "source_subword.model: SHA-256 differs from the one .*config.json recorded"),
    (lambda run: (run / "target_subword.model").unlink(),
     "target_subword.model: the run's subword model is unreadable"),
])
def test_a_damaged_run_is_a_clear_error_before_any_work(runs, tmp_path, damage, message):
    run = tmp_path / "run"
    subword = "subword" in message
    shutil.copytree(runs["subword-bahdanau" if subword else "char"], run)
    damage(run)
    with pytest.raises(ValueError, match=message):
        export_run(run, tmp_path / "out", log=lambda line: None)
    assert not (tmp_path / "out").exists()


def test_the_proofs_catch_a_real_disagreement(runs, tmp_path, monkeypatch):
    from export import graphs

    monkeypatch.setattr(graphs, "add_sequence_lengths", lambda proto: None)  # ignore padding
    with pytest.raises(ParityError) as caught:
        export_run(runs["char"], tmp_path / "out", log=lambda line: None)
    message = str(caught.value)
    assert "encoder output state_c" in message and "padded batch encodes rows differently" in message
    assert not (tmp_path / "out").exists()


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
    for output in ("state_h", "state_c", "probabilities", "state_h_out", "state_c_out", "next_token"):
        assert f"output {output}:" in message
    for output in ("decoder_greedy output next_token:", "decoder_top_k output top_ids:",
                   "decoder_top_k output top_log_probabilities:"):
        assert output in message
    # 2 encoder + 4 decoder outputs, 3 of the greedy graph, 4 of the top-k one, batch invariance
    assert "(14 failed checks)" in message
    assert not (tmp_path / "out").exists()


def test_a_model_the_exporter_does_not_know_is_refused(runs, tmp_path):
    import keras

    run = tmp_path / "run"
    shutil.copytree(runs["char"], run)
    tokens = keras.Input((None,), dtype="int32")
    keras.Model(tokens, keras.layers.Embedding(12, 4)(tokens)).save(run / "model.keras")
    with pytest.raises(ExportError, match="no layer named 'encoder_embedding'"):
        export_run(run, tmp_path / "out", log=lambda line: None)
    assert not (tmp_path / "out").exists()
