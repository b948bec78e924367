"""RUN_DIR -> OUT_DIR: build the graphs, prove them against Keras, add the gated speed-ups
asked for (int8, shortlist), publish atomically.

Everything is built in a hidden folder beside OUT_DIR and renamed into place only after
every proof passed; a failure (or a kill) leaves OUT_DIR as it was.
"""

import dataclasses
import functools
import os
import shutil
import warnings

import keras
import numpy as np
import onnx
import onnxruntime
import tensorflow as tf
import tf2onnx

from export import graphs, parity
from export.errors import ExportError, ParityError
from runtime import manifest as names
from export.target import ExportTarget, check_data_file, check_run_folder
from runtime.atomic import write_json_atomic
from export.shortlist import DEFAULT_FREQUENT, DEFAULT_PER_SOURCE_TOKEN
from export.speed_ups import SpeedUps
from export.step_graphs import step_graph
from export.quantize import QUANTIZATIONS
from runtime.backends import cpu_backend
from runtime.export_dir import check_io
from runtime.vocabulary import RESERVED
from train import run_dir as run_files
from train.dataset import prepared_data
from train.decode import keras_backend
from train.attention import attention_kind
from train.model import ENCODER_LSTM, build_inference_models, output_layer_weights
from train.run_dir import file_sha256
from train.trainer import load_best_model


def export_run(run_path, out_path, force=False, data_path=None, sentences=parity.DEFAULT_SENTENCES,
               log=print, quantize=None, shortlist=False, shortlist_frequent=DEFAULT_FREQUENT,
               shortlist_per_token=DEFAULT_PER_SOURCE_TOKEN):
    """Export the run's best model; return (Manifest, parity report). Raises ExportError,
    ParityError listing every failed proof, or GateError with a failed gate's figures.
    OUT_DIR is untouched unless all proofs and gates pass. quantize: None or "int8";
    shortlist: also write shortlist.json and the shortlist graphs (export.shortlist)."""
    if quantize not in (None, *QUANTIZATIONS):
        raise ExportError(f"--quantize {quantize!r} is not supported; choose one of "
                          f"{list(QUANTIZATIONS)} (or leave it out for float32)")
    for name, value in (("--shortlist-frequent", shortlist_frequent),
                        ("--shortlist-per-token", shortlist_per_token)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ExportError(f"{name} must be an integer >= 0, got {value!r}")
    check_data_file(data_path, shortlist)
    target = ExportTarget(out_path, run_path, force)
    run, metadata, config, history, model = _read_run(run_path)
    vocabularies = run.load_vocabularies()
    data = _prepared_data(run, config, data_path or metadata["data"]["path"], vocabularies,
                          shortlist, run.load_tokenizers(config))
    with target.staging() as staging:
        io = names.graph_io(_state_size(model), len(vocabularies[1]), attention_kind(model),
                            output_size=_output_size(model))
        _write_graphs(model, io, staging)
        for name, source in _run_files(config):
            shutil.copyfile(run.file(source), os.path.join(staging, name))
        report = _prove(model, staging, io, data.validation, metadata["data"], sentences, log)
        problems = parity.failures(report)
        if problems:
            raise ParityError(f"the export does not reproduce Keras ({len(problems)} failed "
                              f"checks): " + "; ".join(problems))
        describe = functools.partial(_manifest, model, config, metadata, history, staging)
        speed_ups = SpeedUps(describe, io, staging, data, config.lowercase, log)
        if quantize:
            speed_ups.quantize()
        if shortlist:  # from the outputs of the graphs as quantized
            speed_ups.add_shortlist(model, shortlist_frequent, shortlist_per_token)
        report["gates"] = speed_ups.figures
        write_json_atomic(os.path.join(staging, names.PARITY_FILE), report)
        manifest = speed_ups.write_manifest()  # hashes parity.json too
        target.publish(staging)
    return manifest, report


def _read_run(run_path):
    """Everything export needs from RUN_DIR, checked before any work is done."""
    run = run_files.RunDir(run_path)
    check_run_folder(run.path, run_path)
    for name in (run_files.MODEL, run_files.HISTORY):
        if not os.path.isfile(run.file(name)):
            raise ExportError(f"{run.path} has no {name} yet: no epoch has completed")
    metadata, config, history = run.read_metadata(), run.read_config(), run.read_history()
    needed = {"path", "max_source_length", "max_target_length", "source_vocab_size",
              "target_vocab_size"}
    if not isinstance(metadata.get("data"), dict) or needed - set(metadata["data"]):
        raise ExportError(f"{run.file(run_files.CONFIG)} is damaged: its data section lacks "
                          f"{sorted(needed - set(metadata.get('data') or {}))}")
    try:
        model = load_best_model(run.path)
    except Exception as error:  # Keras raises ValueError, OSError, zipfile errors, ...
        raise ExportError(f"{run.file(run_files.MODEL)} cannot be loaded ({error})") from None
    graphs.check_supported(model)
    return run, metadata, config, history, model


def _prepared_data(run, config, data_path, vocabularies, shortlist, tokenizers):
    """The run's training and validation pairs, rebuilt exactly as training split them."""
    if not os.path.isfile(data_path):
        needs = ("sentence-level parity needs its validation pairs" + (
            " and --shortlist builds its lists from its training pairs" if shortlist else ""))
        raise ExportError(f"the run's data file {data_path} is not there; {needs}: if the "
                          f"file has moved, pass its new path with --data")
    run.check_same_data(data_path, advice="pass the run's original data file with --data")
    data = prepared_data(data_path, config, vocabularies, tokenizers)
    if shortlist and not len(data.train):
        raise ExportError(f"--shortlist builds its lists from the run's training pairs, and "
                          f"{data_path} gives none for this run's config")
    return data


def _run_files(config):
    """(export file, run file) for the vocabularies and, at subword level, their models."""
    files = [(names.SOURCE_VOCAB_FILE, run_files.SOURCE_VOCAB),
             (names.TARGET_VOCAB_FILE, run_files.TARGET_VOCAB)]
    if config.level == "subword":
        files += [(names.SOURCE_SUBWORD_FILE, run_files.SOURCE_SUBWORD),
                  (names.TARGET_SUBWORD_FILE, run_files.TARGET_SUBWORD)]
    return files


def _state_size(model):
    return model.get_layer(ENCODER_LSTM).units


def _output_size(model):
    """The output layer's input width (the attention combination's, or the LSTM's)."""
    return int(output_layer_weights(model)[0].shape[0])


def _write_graphs(model, io, folder):
    """encoder.onnx by tf2onnx (then given per-row lengths); the decoder graphs in `io`
    written node by node from the Keras weights (export.step_graphs)."""
    encoder = graphs.to_onnx(graphs.encoder_for_export(model), _specs(io["encoder"]))
    graphs.add_sequence_lengths(encoder)
    onnx.save(encoder, os.path.join(folder, names.GRAPH_FILES["encoder"]))
    for graph in io:
        if graph != "encoder":
            proto = step_graph(model, graph, io[graph])
            graphs.single_lstm(proto)
            onnx.save(proto, os.path.join(folder, names.GRAPH_FILES[graph]))


def _specs(graph):
    return graph["inputs"], graph["outputs"]


def _prove(model, folder, io, validation, data_stats, sentences, log):
    with warnings.catch_warnings():  # Keras warns on attention over a 1-token input, which
        warnings.filterwarnings("ignore", "You are using a softmax over axis")  # is tried
        return _run_proofs(model, folder, io, validation, data_stats, sentences, log)


def _run_proofs(model, folder, io, validation, data_stats, sentences, log):
    sessions = {graph: onnxruntime.InferenceSession(
        os.path.join(folder, names.GRAPH_FILES[graph]), providers=["CPUExecutionProvider"])
        for graph in io}
    report = {"tolerance": parity.TOLERANCE, "relative_tolerance": parity.RELATIVE_TOLERANCE,
              "io": [problem for graph, session in sessions.items()
                     for problem in check_io(session, _specs(io[graph]), graph)]}
    reference = keras_backend(*build_inference_models(model))
    exported = cpu_backend(sessions, attention=attention_kind(model) != "none")  # as the runtime
    vocab_sizes = (data_stats["source_vocab_size"], data_stats["target_vocab_size"])
    report["numeric"] = parity.numeric_parity(reference, exported, io, validation.sources,
                                              vocab_sizes, data_stats["max_source_length"])
    count = min(sentences, len(validation))
    report["sentences"] = parity.sentence_parity(
        reference, exported, validation.sources[:count], [t for t, _ in validation.texts[:count]],
        data_stats["max_target_length"])
    log(parity.summary(report))
    return report


def _tokenization(config):
    values = {"level": config.level, "lowercase": config.lowercase,
              "padding": "right",  # PAD_ID after the tokens: the encoder counts them
              "special_tokens": {token: index for index, token in enumerate(RESERVED)}}
    if config.level == "subword":
        values["subword_models"] = dict(names.SUBWORD_MODELS)
    return values


def _manifest(model, config, metadata, history, folder, io, precision="float32",
              shortlist=None):
    data = metadata["data"]
    files = sorted(n for n in os.listdir(folder) if n != names.MANIFEST_FILE)
    return names.Manifest(
        format_version=names.RUN_FORMAT_VERSION,
        model={"kind": "lstm-encoder-decoder", "attention": attention_kind(model),
               "state_size": _state_size(model), "output_size": _output_size(model),
               "embedding_dim": config.embedding_dim,
               "source_vocab_size": data["source_vocab_size"],
               "target_vocab_size": data["target_vocab_size"]},
        tokenization=_tokenization(config),
        max_source_length=data["max_source_length"],
        max_target_length=data["max_target_length"],
        graphs={graph: {"file": names.GRAPH_FILES[graph],
                        "inputs": [s.to_dict() for s in io[graph]["inputs"]],
                        "outputs": [s.to_dict() for s in io[graph]["outputs"]]}
                for graph in io},
        opset=graphs.OPSET,
        files={name: file_sha256(os.path.join(folder, name)) for name in files},
        versions={"keras": keras.__version__, "tensorflow": tf.__version__,
                  "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__,
                  "onnxruntime": onnxruntime.__version__, "numpy": np.__version__},
        training={"config": dataclasses.asdict(config), "data": data,
                  "epochs": history["epochs"], "best_epoch": history["best_epoch"],
                  "best_val_loss": history["best_val_loss"]},
        precision=precision,
        shortlist=shortlist,
    )
