"""RUN_DIR -> OUT_DIR: build both graphs, prove them against Keras, publish atomically.

Everything is built in a hidden folder beside OUT_DIR and renamed into place only after
every proof passed; a failure (or a kill) leaves OUT_DIR as it was.
"""

import dataclasses
import os
import shutil
import tempfile

import keras
import numpy as np
import onnx
import onnxruntime
import tensorflow as tf
import tf2onnx

from export import graphs, parity
from export.errors import ExportError, ParityError
from runtime import manifest as names
from runtime.atomic import FOLDER_MODE, replace_folder, write_json_atomic, write_text_atomic
from runtime.vocabulary import RESERVED
from train import run_dir as run_files
from train.dataset import prepare
from train.decode import keras_functions
from train.model import ENCODER_LSTM, build_inference_models
from train.run_dir import file_sha256
from train.sources import load_pairs
from train.trainer import load_best_model

DEFAULT_SENTENCES = 200


def export_run(run_path, out_path, force=False, data_path=None, sentences=DEFAULT_SENTENCES,
               log=print):
    """Export the run's best model; return (Manifest, parity report). Raises ExportError,
    or ParityError listing every failed proof."""
    run = _checked_run(run_path)
    out_path = os.path.abspath(out_path)
    if os.path.lexists(out_path) and not force:
        raise ExportError(f"{out_path} already exists; pass --force to replace it (atomically)")
    metadata = run.read_metadata()
    config = run.read_config()
    source_vocab, target_vocab = run.load_vocabularies()
    validation = _validation_split(run, config, data_path or metadata["data"]["path"],
                                   (source_vocab, target_vocab))
    model = load_best_model(run.path)
    graphs.check_supported(model)
    parent, prefix = os.path.dirname(out_path), f".tmp-export-{os.path.basename(out_path)}-"
    os.makedirs(parent, exist_ok=True)
    _remove_leftovers(parent, prefix)
    staging = tempfile.mkdtemp(dir=parent, prefix=prefix)
    try:
        os.chmod(staging, FOLDER_MODE)
        io = names.graph_io(_state_size(model), len(target_vocab))
        _write_graphs(model, io, staging)
        for name, source in ((names.SOURCE_VOCAB_FILE, run_files.SOURCE_VOCAB),
                             (names.TARGET_VOCAB_FILE, run_files.TARGET_VOCAB)):
            shutil.copyfile(run.file(source), os.path.join(staging, name))
        report = _prove(model, staging, io, validation, metadata["data"], sentences, log)
        write_json_atomic(os.path.join(staging, names.PARITY_FILE), report)
        problems = parity.failures(report)
        if problems:
            raise ParityError(f"the export does not reproduce Keras ({len(problems)} "
                              f"failures): " + "; ".join(problems))
        manifest = _manifest(model, config, metadata, run.read_history(), staging, io)
        write_text_atomic(os.path.join(staging, names.MANIFEST_FILE), manifest.to_json())
        previous = replace_folder(staging, out_path)
        if previous:
            shutil.rmtree(previous, ignore_errors=True)
        return manifest, report
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)


def _remove_leftovers(parent, prefix):
    """Staging folders of earlier exports to the same OUT_DIR that were killed."""
    for name in os.listdir(parent):
        if name.startswith(prefix):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _checked_run(run_path):
    run = run_files.RunDir(run_path)
    if not os.path.isdir(run.path):
        raise ExportError(f"RUN_DIR {run.path} does not exist")
    if not run.exists():
        raise ExportError(f"{run.path} is not a training run (no {run_files.CONFIG}); "
                          f"train one with `python -m train --out {run_path}`")
    if not os.path.isfile(run.file(run_files.MODEL)):
        raise ExportError(f"{run.path} has no {run_files.MODEL} yet: no epoch has completed")
    return run


def _validation_split(run, config, data_path, vocabularies):
    """The run's validation pairs, rebuilt exactly as training split them."""
    pairs, report = load_pairs(data_path, config.data_format, config.encoding or None)
    if not pairs:
        raise ExportError(f"no pairs in {data_path}; pass the run's data with --data")
    run.check_same_data(data_path)
    return prepare(pairs, config, report, vocabularies).validation


def _state_size(model):
    return model.get_layer(ENCODER_LSTM).units


def _write_graphs(model, io, folder):
    encoder = graphs.to_onnx(graphs.encoder_for_export(model),
                             _specs(io["encoder"]))
    graphs.add_sequence_lengths(encoder)
    decoder = graphs.to_onnx(graphs.decoder_for_export(model), _specs(io["decoder"]))
    graphs.single_lstm(decoder)
    onnx.save(encoder, os.path.join(folder, names.ENCODER_FILE))
    onnx.save(decoder, os.path.join(folder, names.DECODER_FILE))


def _specs(graph):
    return graph["inputs"], graph["outputs"]


def _prove(model, folder, io, validation, data_stats, sentences, log):
    sessions = [onnxruntime.InferenceSession(os.path.join(folder, name),
                                             providers=["CPUExecutionProvider"])
                for name in (names.ENCODER_FILE, names.DECODER_FILE)]
    report = {"tolerance": parity.TOLERANCE,
              "io": parity.check_io(sessions[0], _specs(io["encoder"]), "encoder")
              + parity.check_io(sessions[1], _specs(io["decoder"]), "decoder")}
    keras_fns = keras_functions(*build_inference_models(model))
    onnx_fns = parity.onnx_functions(*sessions)
    vocab_sizes = (data_stats["source_vocab_size"], data_stats["target_vocab_size"])
    report["numeric"] = parity.numeric_parity(keras_fns, onnx_fns, validation.sources,
                                              vocab_sizes, data_stats["max_source_length"])
    count = min(sentences, len(validation))
    report["sentences"] = parity.sentence_parity(
        keras_fns, onnx_fns, validation.sources[:count], [t for t, _ in validation.texts[:count]],
        data_stats["max_target_length"])
    log(summary(report))
    return report


def summary(report):
    numeric = report["numeric"]
    worst = max(max(numeric["encoder"].values()), max(numeric["decoder"].values()))
    sentences = report["sentences"]
    return (f"parity: inputs/outputs {'match' if not report['io'] else 'DIFFER'}; "
            f"max |ONNX - Keras| {worst:.1e} over {numeric['cases']} cases (tolerance "
            f"{report['tolerance']:.0e}); batch vs alone {numeric['batch_invariance']:.1e}; "
            f"{sentences['identical']}/{sentences['sentences']} validation sentences decode "
            f"identically")


def _manifest(model, config, metadata, history, folder, io):
    data = metadata["data"]
    files = sorted(n for n in os.listdir(folder) if n != names.MANIFEST_FILE)
    return names.Manifest(
        format_version=names.FORMAT_VERSION,
        model={"kind": "lstm-encoder-decoder", "state_size": _state_size(model),
               "embedding_dim": config.embedding_dim,
               "source_vocab_size": data["source_vocab_size"],
               "target_vocab_size": data["target_vocab_size"]},
        tokenization={"level": config.level, "lowercase": config.lowercase,
                      "special_tokens": {token: index for index, token in enumerate(RESERVED)}},
        max_source_length=data["max_source_length"],
        max_target_length=data["max_target_length"],
        graphs={graph: {"file": file, "inputs": [s.to_dict() for s in io[graph]["inputs"]],
                        "outputs": [s.to_dict() for s in io[graph]["outputs"]]}
                for graph, file in (("encoder", names.ENCODER_FILE), ("decoder", names.DECODER_FILE))},
        opset=graphs.OPSET,
        files={name: file_sha256(os.path.join(folder, name)) for name in files},
        versions={"keras": keras.__version__, "tensorflow": tf.__version__,
                  "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__,
                  "onnxruntime": onnxruntime.__version__, "numpy": np.__version__},
        training={"config": dataclasses.asdict(config), "data": data,
                  "epochs": history["epochs"], "best_epoch": history["best_epoch"],
                  "best_val_loss": history["best_val_loss"]},
    )
