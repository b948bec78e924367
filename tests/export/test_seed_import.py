"""`python -m export MODEL_FILE OUT_DIR --recipe ...`: models the seed tutorials trained
(tests/conftest.py's seed_models: keras-io's Keras 3 .keras, the notebook's Keras 2 .h5),
against the tutorials' own decode_sequence (benchmarks.seed_scripts)."""

import json
import os

import pytest

from export.__main__ import main as export_main
from export.errors import ExportError
from export.seed_export import export_seed_model
from runtime import Decoding, Translator
from tests.conftest import SEED_SAMPLES
from train.errors import DataError

RECIPES = ("keras-io", "word-notebook")


def script_outputs(case, texts):
    """What the tutorial's own decode_sequence prints for each text (end token removed)."""
    return [case.decoder.output_text(case.decoder.decode_sequence(case.data.encoder_input([text])))
            for text in texts]


def inputs(case):
    return [source for source, _ in _pairs(case)]


def _pairs(case):
    data = case.data
    return list(zip(data.input_texts, data.target_texts)) if hasattr(data, "input_texts") \
        else list(zip(data.input_docs, data.target_docs))


@pytest.mark.parametrize("recipe", RECIPES)
def test_the_runtime_writes_what_decode_sequence_writes(seed_models, recipe):
    case = seed_models[recipe]
    texts = inputs(case)[:14] + inputs(case)[-4:]  # the last ones have the digits
    translator = Translator.load(case.out)
    results = translator.translate_detailed(texts)
    assert [r.text for r in results] == script_outputs(case, texts)
    assert case.report["script"] == {"sentences": 8, "identical": 8, "differences": []}


def test_both_ways_the_scripts_stop_are_covered(seed_models):
    """The fixture's keras-io model ends with its end token, the notebook's is cut by the
    length rule (" ! ! ! ..." passes max_decoder_seq_length characters)."""
    ended = {recipe: {r.ended for r in Translator.load(case.out).translate_detailed(
        inputs(case)[:8])} for recipe, case in seed_models.items()}
    assert ended == {"keras-io": {True}, "word-notebook": {False}}


@pytest.mark.parametrize("recipe", RECIPES)
def test_the_manifest_records_the_scripts_rules(seed_models, recipe):
    case = seed_models[recipe]
    tokenization, data = case.manifest.tokenization, case.data
    assert tokenization["padding"] == {"fixed_length": data.max_encoder_seq_length,
                                       "token": " " if recipe == "keras-io" else None}
    assert tokenization["output_limit"] == {"separator": "" if recipe == "keras-io" else " ",
                                            "characters": data.max_decoder_seq_length}
    assert case.manifest.training["layers"] == {"encoder": "lstm", "decoder": "lstm_1",
                                                "dense": "dense"}
    vocab = json.loads((case.out / "target_vocab.json").read_text(encoding="utf-8"))
    script_tokens = data.target_characters if recipe == "keras-io" else data.target_tokens
    assert vocab[4:] == script_tokens  # position = the script's one-hot index + 4


@pytest.mark.parametrize("recipe", RECIPES)
def test_beam_search_sampling_and_streams_work_on_an_import(seed_models, recipe):
    case = seed_models[recipe]
    translator = Translator.load(case.out)
    text = inputs(case)[0]
    beam = translator.translate_detailed([text], decoding=Decoding("beam", beam_width=3, n_best=2))[0]
    assert len(beam.n_best) == 2 and beam.score is not None
    limit = translator.output_limit
    for candidate in beam.n_best:  # cut by the script's length rule, like greedy output
        ids = [translator.export.target_vocab.ids[t] for t in candidate.tokens]
        assert limit.kept(ids) == len(ids)
    sampled = translator.translate_detailed([text], decoding=Decoding("sample", seed=3))
    assert sampled == translator.translate_detailed([text], decoding=Decoding("sample", seed=3))


def test_evaluate_scores_the_scripts_validation_fifth(seed_models):
    from s2s_evaluate.evaluator import evaluate_export

    case = seed_models["keras-io"]
    report = evaluate_export(case.out)
    first = int(SEED_SAMPLES * 0.8)  # Keras's validation_split=0.2 holds out the last fifth
    assert report["pairs"] == SEED_SAMPLES - first
    assert report["examples"][0]["input"] == case.data.input_texts[first]



def test_a_wrong_num_samples_is_refused_and_nothing_is_written(seed_models, tmp_path):
    case = seed_models["keras-io"]
    with pytest.raises(ExportError, match=r"different data file or --num-samples"):
        export_seed_model(case.model, tmp_path / "out", "keras-io", case.data_path, 60,
                          log=lambda line: None)
    assert not (tmp_path / "out").exists()
    assert os.listdir(tmp_path) == []  # no staging folder left either


def test_the_token_lists_can_replace_the_data_rebuild(seed_models, tmp_path):
    case = seed_models["word-notebook"]
    lists = {}
    for side, tokens in (("source", case.data.input_tokens), ("target", case.data.target_tokens)):
        lists[side] = tmp_path / f"{side}.json"
        lists[side].write_text(json.dumps(tokens), encoding="utf-8")
    export_seed_model(case.model, tmp_path / "out", "word-notebook", case.data_path,
                      source_tokens=lists["source"], target_tokens=lists["target"],
                      sentences=2, log=lambda line: None)
    texts = inputs(case)[:5]
    assert Translator.load(tmp_path / "out").translate_batch(texts) == \
        Translator.load(case.out).translate_batch(texts)
    lists["target"].write_text(json.dumps(case.data.target_tokens[:-1]), encoding="utf-8")
    with pytest.raises(ExportError, match="token lists given"):
        export_seed_model(case.model, tmp_path / "o2", "word-notebook", case.data_path,
                          target_tokens=lists["target"], log=lambda line: None)
    lists["target"].write_text(json.dumps(["a", "b"]), encoding="utf-8")
    with pytest.raises(DataError, match="has no '<START>'"):
        export_seed_model(case.model, tmp_path / "o3", "word-notebook", case.data_path,
                          target_tokens=lists["target"], log=lambda line: None)


def test_another_architecture_is_refused_saying_what_was_found(tmp_path, seed_models):
    import keras

    inputs_ = keras.Input(shape=(None, 5))
    outputs = keras.layers.Dense(5, activation="softmax")(keras.layers.GRU(4, return_sequences=True)(inputs_))
    keras.Model(inputs_, outputs).save(tmp_path / "gru.keras")
    with pytest.raises(ExportError, match=r"expected two Inputs, two LSTMs.*found layers "
                                          r"\['Dense', 'GRU', 'InputLayer'\]"):
        export_seed_model(tmp_path / "gru.keras", tmp_path / "out", "keras-io",
                          seed_models["keras-io"].data_path, log=lambda line: None)
    assert not (tmp_path / "out").exists()
    keras.Sequential([keras.Input(shape=(None, 5)), keras.layers.LSTM(4)]).save(tmp_path / "seq.keras")
    with pytest.raises(ExportError, match="holds a 'Sequential' model; expected a functional"):
        export_seed_model(tmp_path / "seq.keras", tmp_path / "out", "keras-io",
                          seed_models["keras-io"].data_path, log=lambda line: None)


def one_line_error(capsys, argv):
    assert export_main([str(a) for a in argv]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("error: "), error
    return error[0]


def test_cli_errors_are_one_line_with_status_2_and_leave_nothing(seed_models, tmp_path, capsys):
    keras_io, notebook = seed_models["keras-io"], seed_models["word-notebook"]
    out = tmp_path / "out"
    garbage = tmp_path / "model.keras"
    garbage.write_bytes(b"not a model at all")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(notebook.model.read_bytes()[:6000])
    other_data = tmp_path / "other.txt"
    other_data.write_text("I see.\tJe vois.\nRun now!\tCours !\n", encoding="utf-8")
    cases = [
        ([garbage, out, "--recipe", "keras-io", "--data", keras_io.data_path],
         "neither a .keras (zip) nor a .h5"),
        ([keras_io.model, out, "--recipe", "word-notebook", "--data", keras_io.data_path],
         "different data file or --num-samples"),
        ([notebook.model, out, "--recipe", "keras-io", "--data", keras_io.data_path],
         "different data file or --num-samples"),
        ([keras_io.model, out, "--recipe", "keras-io", "--data", other_data],
         "different data file or --num-samples"),
        ([keras_io.model, out, "--recipe", "keras-io"], "give the pairs file with --data"),
        ([tmp_path, out, "--recipe", "keras-io", "--data", other_data], "is a folder"),
        ([keras_io.model, out], "is a model file, not a run"),
        ([truncated, out, "--recipe", "word-notebook", "--data", notebook.data_path],
         "truncated.h5"),
    ]
    for argv, message in cases:
        assert message in one_line_error(capsys, argv)
        assert sorted(os.listdir(tmp_path)) == ["model.keras", "other.txt", "truncated.h5"]


def test_the_cli_imports_a_model(seed_models, tmp_path, capsys):
    case = seed_models["keras-io"]
    argv = [case.model, tmp_path / "out", "--recipe", "keras-io", "--data", case.data_path,
            "--num-samples", str(SEED_SAMPLES), "--sentences", "3"]
    assert export_main([str(a) for a in argv]) == 0
    printed = capsys.readouterr().out
    assert "3/3 training sentences identical" in printed
    assert Translator.load(tmp_path / "out").translate("the cat .") == \
        Translator.load(case.out).translate("the cat .")



def test_the_http_service_serves_an_import_and_streams_stop_at_the_cut(seed_models):
    from fastapi.testclient import TestClient

    from runtime import translation_record
    from tests.serve.conftest import scheduler_app
    from tests.serve.test_app_errors import parse_events

    case = seed_models["word-notebook"]  # its outputs run into the length rule
    translator, text = Translator.load(case.out), inputs(case)[1]
    with TestClient(scheduler_app(case.out, max_rows=8)) as client:
        answer = client.post("/translate", json={"text": text, "scores": True})
        events = parse_events(client.post("/translate/stream", json={"text": text,
                                                                     "scores": True}).text)
    record = translation_record(text, translator.translate_detailed([text], scores=True)[0])
    assert answer.status_code == 200 and answer.json() == record
    assert record["ended"] is False  # cut by the notebook's length rule
    assert events[-1] == ("result", record)
    assert [data["token"] for _, data in events[:-1]] == record["output"].split(" ")


def test_inputs_longer_than_the_scripts_padded_length_are_cut_or_refused(seed_models):
    case = seed_models["keras-io"]
    length = case.data.max_encoder_seq_length
    long_text = "the cat " * length
    assert Translator.load(case.out).translate_detailed([long_text])[0].truncated
    with pytest.raises(ValueError, match=f"exceeds {length}: this imported model reads"):
        Translator.load(case.out, max_input_length=length + 1)


def test_a_keras_2_model_saved_as_keras_imports_the_same(seed_models, tmp_path):
    """tf_keras writes .keras files too; Keras 3 cannot load their Functional config, so
    the import reads them as it reads a .h5: config and weights as stored."""
    import tf_keras

    case = seed_models["word-notebook"]
    tf_keras.models.load_model(case.model).save(tmp_path / "training_model.keras")
    export_seed_model(tmp_path / "training_model.keras", tmp_path / "out", "word-notebook",
                      case.data_path, sentences=2, log=lambda line: None)
    texts = inputs(case)[:6]
    assert Translator.load(tmp_path / "out").translate_batch(texts) == \
        Translator.load(case.out).translate_batch(texts)


def test_refusals_print_exactly_one_line_before_tensorflow_is_imported(seed_models, tmp_path):
    """As a user runs it: TensorFlow writes log lines to stderr as it is imported, so the
    checks that can refuse an import run before it is."""
    from tests.export.test_cli import run_cli

    case = seed_models["keras-io"]
    result = run_cli(case.model, tmp_path / "out", "--recipe", "keras-io", "--data",
                     case.data_path, "--num-samples", "60")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "different data file or --num-samples" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_keras_2_scripts_savedmodel_folder_imports(seed_models, tmp_path):
    """The keras-io script's Keras 2 version ends with model.save("s2s"): a SavedModel folder,
    which Keras 3 cannot load. Its config and variables are read as stored."""
    import tf_keras

    from benchmarks import seed_scripts

    case = seed_models["keras-io"]
    model = seed_scripts.train(tf_keras, case.data, 16, 1, 64, tmp_path / "s2s")
    assert (tmp_path / "s2s" / "keras_metadata.pb").is_file()  # a SavedModel, as in 2020
    export_seed_model(tmp_path / "s2s", tmp_path / "out", "keras-io", case.data_path,
                      SEED_SAMPLES, sentences=3, log=lambda line: None)
    decoder = seed_scripts.ScriptDecoder(tf_keras, model, case.data)
    texts = inputs(case)[:6]
    expected = [decoder.output_text(decoder.decode_sequence(case.data.encoder_input([t])))
                for t in texts]
    assert Translator.load(tmp_path / "out").translate_batch(texts) == expected
