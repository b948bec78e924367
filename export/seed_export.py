"""MODEL_FILE -> OUT_DIR for a model a seed tutorial trained (`python -m export MODEL_FILE
OUT_DIR --recipe keras-io|word-notebook --data PAIRS`): the recipe's vocabularies rebuilt
from the data (train.seed_data), the layers found by wiring (export.seed_model), the graphs
(export.seed_graphs), and four proofs before anything is published:

1-3. export.parity's proofs against the script's inference models (export.seed_proofs);
4.   the runtime's greedy output equals the script's own decode_sequence, token for token
     and as text, on the first --sentences training sentences.

As for runs, everything is built in a hidden folder beside OUT_DIR and renamed into place
only after every proof passed.
"""

import os

import keras
import numpy as np
import onnx
import onnxruntime
import tensorflow as tf

from export import parity, seed_graphs, seed_proofs
from export.errors import ExportError, ParityError
from export.step_graphs import OPSET
from runtime import manifest as names
from runtime.atomic import write_json_atomic, write_text_atomic
from runtime.backends import cpu_backend
from runtime.export_dir import check_io
from runtime.output_limit import OutputLimit
from runtime.translator import Translator
from runtime.vocabulary import RESERVED, Vocabulary
from train.run_dir import file_sha256
from export.keras_files import model_sha256
from export.seed_checks import data_summary, prepare_import



def export_seed_model(model_path, out_path, recipe_name, data_path, num_samples=None,
                      source_tokens=None, target_tokens=None, force=False,
                      sentences=parity.DEFAULT_SCRIPT_SENTENCES, log=print):
    """Import and prove a seed model; -> (Manifest, parity report). Raises DataError (the
    data or token lists), ExportError (the model file, sizes), ParityError (the proofs).
    OUT_DIR is untouched unless every proof passes."""
    prepared = prepare_import(model_path, out_path, recipe_name, data_path, num_samples,
                              source_tokens, target_tokens, force)
    return export_prepared(prepared, model_path, data_path, sentences, log)


def export_prepared(prepared, model_path, data_path, sentences=parity.DEFAULT_SCRIPT_SENTENCES,
                    log=print):
    """export_seed_model after export.seed_checks.prepare_import's (target, model, data)."""
    target, model, data = prepared
    log(data_summary(data))
    vocabularies = (Vocabulary(RESERVED + tuple(data.source_tokens)),
                    Vocabulary(RESERVED + tuple(data.target_tokens)))
    limit = OutputLimit(_output_limit(data), vocabularies[1].tokens)
    io = names.graph_io(model.units, len(vocabularies[1]), "none", output_size=model.units)
    with target.staging() as staging:
        _write_graphs(model, data, io, staging)
        vocabularies[0].save(os.path.join(staging, names.SOURCE_VOCAB_FILE))
        vocabularies[1].save(os.path.join(staging, names.TARGET_VOCAB_FILE))
        describe = lambda: _manifest(model, model_path, data, data_path, io, limit, staging)  # noqa: E731
        write_text_atomic(os.path.join(staging, names.MANIFEST_FILE), describe().to_json())
        report = _prove(model, data, io, staging, sentences, log)
        write_json_atomic(os.path.join(staging, names.PARITY_FILE), report)
        manifest = describe()  # hashes parity.json too
        write_text_atomic(os.path.join(staging, names.MANIFEST_FILE), manifest.to_json())
        target.publish(staging)
    return manifest, report


def _output_limit(data):
    return {"separator": data.recipe.separator, "characters": data.max_decoder_seq_length}


def _write_graphs(model, data, io, folder):
    graphs = {"encoder": seed_graphs.encoder_graph(model, data.source_tokens, io["encoder"])}
    for graph in io:
        if graph != "encoder":
            graphs[graph] = seed_graphs.decoder_graph(model, data.target_tokens, data.recipe,
                                                      graph, io[graph])
    for graph, proto in graphs.items():
        onnx.save(proto, os.path.join(folder, names.GRAPH_FILES[graph]))


def _prove(model, data, io, folder, sentences, log):
    translator = Translator.load(folder)  # as a service would load it: hashes, I/O, padding
    sessions = translator.sessions  # one per graph, checked against the manifest at load
    report = {"tolerance": parity.TOLERANCE, "relative_tolerance": parity.RELATIVE_TOLERANCE,
              "io": [problem for graph, session in sessions.items()
                     for problem in check_io(session, (io[graph]["inputs"], io[graph]["outputs"]),
                                             graph)]}
    padding = translator.export.encoder_padding
    encoder, decoder = seed_proofs.keras_models(model)
    reference = seed_proofs.reference_backend(encoder, decoder, data, padding)
    exported = cpu_backend(sessions, padding=padding)
    validation = data.validation_pairs or data.pairs
    sources = [translator.prepare(source)[0] for source, _ in validation]
    kept = [(ids, pair) for ids, pair in zip(sources, validation) if len(ids)]
    if not kept:
        raise ExportError(f"none of the {len(validation)} validation pairs has an input to "
                          f"translate (all are blank), so the proofs cannot run")
    sizes = (len(translator.export.source_vocab), len(translator.export.target_vocab))
    report["numeric"] = parity.numeric_parity(
        reference, exported, io, [ids for ids, _ in kept], sizes,
        data.max_encoder_seq_length, longest=data.max_encoder_seq_length)
    count = min(parity.DEFAULT_SENTENCES, len(kept))
    report["sentences"] = parity.sentence_parity(
        reference, exported, [ids for ids, _ in kept[:count]], [p[0] for _, p in kept[:count]],
        translator.manifest.max_target_length)
    log(f"decode_sequence (one Keras predict per step) on up to {sentences} training "
        f"sentences...")
    report["script"] = seed_proofs.script_parity(encoder, decoder, data, translator,
                                                 sentences, log)
    log(_summary(report))
    problems = parity.failures(report) + _script_failures(report["script"])
    if problems:
        raise ParityError(f"the export does not reproduce the Keras model ({len(problems)} "
                          f"failed checks): " + "; ".join(problems))
    return report


def _script_failures(script):
    found = [f"sentence {d['input']!r}: decode_sequence gives {d['script']}, the runtime "
             f"{d['runtime']}" for d in script["differences"]]
    if not script["sentences"]:
        found.append("no training sentence could be decoded with decode_sequence")
    return found


def _summary(report):
    script = report["script"]
    return (f"{parity.summary(report)}; the script's decode_sequence: {script['identical']}/"
            f"{script['sentences']} training sentences identical")


def _manifest(model, model_path, data, data_path, io, limit, folder):
    recipe = data.recipe
    tokenization = {"level": recipe.level, "lowercase": False,
                    "padding": {"fixed_length": data.max_encoder_seq_length, "token": recipe.pad},
                    "special_tokens": {token: index for index, token in enumerate(RESERVED)},
                    "output_limit": _output_limit(data)}
    if recipe.separator == " ":
        tokenization["join"] = "spaces"
    files = sorted(n for n in os.listdir(folder) if n != names.MANIFEST_FILE)
    return names.Manifest(
        format_version=names.FORMAT_VERSION,
        model={"kind": "lstm-encoder-decoder", "attention": "none", "state_size": model.units,
               "output_size": model.units, "embedding_dim": None, "input": "one-hot",
               "source_vocab_size": len(data.source_tokens) + len(RESERVED),
               "target_vocab_size": len(data.target_tokens) + len(RESERVED)},
        tokenization=tokenization,
        max_source_length=data.max_encoder_seq_length,
        max_target_length=limit.max_tokens,
        graphs={graph: {"file": names.GRAPH_FILES[graph],
                        "inputs": [s.to_dict() for s in io[graph]["inputs"]],
                        "outputs": [s.to_dict() for s in io[graph]["outputs"]]}
                for graph in io},
        opset=OPSET,
        files={name: file_sha256(os.path.join(folder, name)) for name in files},
        versions={"keras": keras.__version__, "tensorflow": tf.__version__,
                  "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__,
                  "numpy": np.__version__},
        training={"recipe": recipe.name, "model_file": os.path.abspath(model_path),
                  "model_sha256": model_sha256(model_path), "layers": model.names,
                  "data": {"path": os.path.abspath(data_path), "sha256": file_sha256(data_path),
                           "num_samples": len(data.pairs),
                           "max_encoder_seq_length": data.max_encoder_seq_length,
                           "max_decoder_seq_length": data.max_decoder_seq_length}},
    )
