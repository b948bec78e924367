"""`--quantize int8` and `--shortlist` on the tiny runs: gated, recorded, loaded as they are."""

import json

import numpy as np
import onnx
import pytest

from export import gates
from export.errors import ExportError, GateError
from export.exporter import export_run
from runtime import Decoding, ExportLoadError, Translator
from runtime import manifest as names
from tests.conftest import SPEED_UPS_RUN, word_pairs
from tests.export.test_cli import one_line_error, run_cli

TEXTS = [source for source, _ in word_pairs(40)] + ["the zebra .", ""]


def quiet(line):
    pass


RUN = SPEED_UPS_RUN  # the word model with Luong attention (tests/conftest.py)


def read(folder, name):
    return json.loads((folder / name).read_text())


def op_types(folder, graph):
    return {node.op_type for node in onnx.load(folder / names.GRAPH_FILES[graph]).graph.node}


def test_int8_export_is_quantized_gated_and_needs_no_option(speed_ups):
    folder = speed_ups["int8"]
    manifest = read(folder, names.MANIFEST_FILE)
    assert manifest["precision"] == "int8" and manifest["shortlist"] is None
    for graph in ("encoder", "decoder", "decoder_greedy", "decoder_top_k"):
        assert "DynamicQuantizeLSTM" in op_types(folder, graph), graph
    assert op_types(folder, "decoder_greedy") & {"DynamicQuantizeMatMul", "MatMulInteger"}
    gate = read(folder, names.PARITY_FILE)["gates"]["int8"]
    assert gate["passed"] and gate["identical_percent"] >= 50 and gate["required"] == {
        "identical_percent_at_least": 50.0, "chrf_drop_at_most": 100.0}
    assert gate["sentences"] == 60  # the run's whole validation split (10% of 600)
    weights = onnx.load(folder / names.GRAPH_FILES["decoder_greedy"]).graph.initializer
    assert any(w.data_type == onnx.TensorProto.INT8 for w in weights)
    translator = Translator.load(folder)
    assert all(isinstance(t, str) for t in translator.translate_batch(TEXTS))


def test_shortlist_export_is_gated_and_used_by_greedy_and_beam(speed_ups):
    folder = speed_ups["shortlist"]
    manifest = read(folder, names.MANIFEST_FILE)
    assert manifest["shortlist"]["file"] == names.SHORTLIST_FILE
    assert names.SHORTLIST_FILE in manifest["files"] and manifest["precision"] == "float32"
    gate = read(folder, names.PARITY_FILE)["gates"]["shortlist"]
    assert gate["passed"] and gate["sentences"] == 60 and 50 <= gate["identical_percent"] <= 100
    assert gate["required"] == {"identical_percent_at_least": 50.0, "chrf_drop_at_most": 100.0}
    assert manifest["shortlist"]["frequent"] == 2 and manifest["shortlist"]["per_source_token"] == 2
    on, off = Translator.load(folder), Translator.load(folder, shortlist=False)
    assert on.shortlist is not None and set(names.SHORTLIST_GRAPHS) <= set(on.sessions)
    assert not set(names.SHORTLIST_GRAPHS) & set(off.sessions) and off.shortlist is None
    assert sum(bool(t) for t in on.translate_batch(TEXTS)) > len(TEXTS) / 2  # real outputs
    for decoding in (None, Decoding("beam", beam_width=3, n_best=2)):
        batched = on.translate_detailed(TEXTS, batch_size=16, decoding=decoding)
        alone = [on.translate_detailed([text], decoding=decoding)[0] for text in TEXTS]
        assert [t.tokens for t in batched] == [t.tokens for t in alone]  # rows never mix
    seeded = Decoding("sample", seed=3)  # sampling never uses the shortlist
    assert on.translate_batch(TEXTS, decoding=seeded) == off.translate_batch(TEXTS, decoding=seeded)


def test_shortlist_rows_emit_only_their_candidates(speed_ups):
    translator = Translator.load(speed_ups["shortlist"])
    shortlist, vocab = translator.shortlist, translator.export.target_vocab
    assert shortlist is not None
    for result in translator.translate_detailed(TEXTS[:10], decoding=Decoding("beam", beam_width=4)):
        source = [translator.export.source_vocab.ids.get(t, 3) for t in result.source_tokens]
        mask, candidates = shortlist.batch(np.array([source], np.int32))
        allowed = candidates.feeds[names.CANDIDATE_IDS][mask[0] == 0]
        assert {vocab.ids[t] for t in result.tokens} <= set(allowed.tolist())


def test_int8_with_a_shortlist_works(speed_ups):
    folder = speed_ups["int8-shortlist"]
    manifest = read(folder, names.MANIFEST_FILE)
    assert manifest["precision"] == "int8" and manifest["shortlist"]
    assert "DynamicQuantizeLSTM" in op_types(folder, "decoder_greedy_shortlist")
    figures = read(folder, names.PARITY_FILE)["gates"]
    assert figures["int8"]["passed"] and figures["shortlist"]["passed"]
    assert figures["shortlist"]["compared_with"] == "the full vocabulary (int8)"
    assert all(isinstance(t, str) for t in Translator.load(folder).translate_batch(TEXTS))


def test_a_failed_gate_fails_the_export_and_keeps_the_old_one(runs, speed_ups, monkeypatch):
    folder = speed_ups["int8"]
    before = (folder / names.MANIFEST_FILE).read_text()
    monkeypatch.setitem(gates.REQUIREMENTS, "int8", (100.5, 0.0))  # unreachable
    with pytest.raises(GateError, match=r"the int8 gate failed on 60 validation sentences: "
                                        r"[\d.]+% decode identically to the float32 graphs "
                                        r"\(at least 100.5% required\), chrF"):
        export_run(runs[RUN], folder, force=True, log=quiet, quantize="int8")
    assert (folder / names.MANIFEST_FILE).read_text() == before


def test_bad_options_are_clear_errors(runs, tmp_path):
    with pytest.raises(ExportError, match="--quantize 'int4' is not supported; choose one of"):
        export_run(runs[RUN], tmp_path / "out", quantize="int4")
    with pytest.raises(ExportError, match="--shortlist builds its lists from its training pairs"):
        export_run(runs[RUN], tmp_path / "out", shortlist=True,
                   data_path=str(tmp_path / "moved.txt"))
    with pytest.raises(ExportError, match="--shortlist-frequent must be an integer >= 0, got -1"):
        export_run(runs[RUN], tmp_path / "out", shortlist=True, shortlist_frequent=-1)
    assert "--quantize 'int4' is not supported" in one_line_error(
        run_cli(runs[RUN], tmp_path / "o", "--quantize", "int4"))
    assert "--shortlist-per-token sets the size of a shortlist: it needs --shortlist" in \
        one_line_error(run_cli(runs[RUN], tmp_path / "o", "--shortlist-per-token", "5"))
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()


def test_a_changed_shortlist_file_is_refused(speed_ups, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(speed_ups["shortlist"], folder)
    values = read(folder, names.SHORTLIST_FILE)
    values["frequent"] = values["frequent"][:-1]
    (folder / names.SHORTLIST_FILE).write_text(json.dumps(values))
    with pytest.raises(ExportLoadError, match="shortlist.json: SHA-256 .* differs from the manifest"):
        Translator.load(folder)


def test_the_cli_loads_speed_up_exports_and_can_turn_the_shortlist_off(speed_ups):
    import subprocess
    import sys

    from tests.conftest import ROOT

    for extra in ([], ["--no-shortlist"]):
        result = subprocess.run([sys.executable, "-m", "runtime", str(speed_ups["int8-shortlist"]),
                                 "--json", *extra, "the cat sees a dog ."], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["input"] == "the cat sees a dog ."
