"""The lossy speed-ups, added to a proven float32 export in its staging folder: a vocabulary
shortlist (`--shortlist`) and int8 weights (`--quantize int8`), each kept only if its gate
passes (export.gates). The int8 graphs replace the float32 ones (the manifest's precision
says so); parity.json keeps the float32 graphs' proofs against Keras and the gates' figures.
"""

import os

import numpy as np
import onnx
from onnx import numpy_helper

from export import gates
from export.errors import ExportError
from export.quantize import quantize_graphs
from export.shortlist import build_shortlist
from export.step_graphs import step_graph
from runtime import manifest as names
from runtime.atomic import write_json_atomic, write_text_atomic
from runtime.translator import Translator
from train.model import output_layer_weights

BATCH = 64


class SpeedUps:
    def __init__(self, describe, io, folder, data, lowercase, log):
        """describe(io, precision, shortlist) -> the Manifest of the folder's files; data:
        the run's PreparedData; lowercase: the model's (chrF ignores case if so)."""
        self.describe, self.io, self.folder, self.data = describe, io, folder, data
        self.lowercase, self.log = lowercase, log
        self.precision, self.shortlist = "float32", None
        self.write_manifest()
        self.float32 = None  # the float32 Translator, loaded before anything changes
        self.full = None  # the int8 Translator without a shortlist, once quantized
        self.figures = {}  # gate -> its figures, for parity.json

    def write_manifest(self):
        manifest = self.describe(self.io, self.precision, self.shortlist)
        write_text_atomic(os.path.join(self.folder, names.MANIFEST_FILE), manifest.to_json())
        return manifest

    def _reference(self):
        if self.float32 is None:
            self.float32 = Translator.load(self.folder, shortlist=False)
        return self.float32

    def quantize(self):
        """int8 graphs instead of the float32 ones; GateError unless the int8 gate passes."""
        reference = self._reference()  # the float32 sessions, before their files change
        quantize_graphs(self.folder, list(self.io))
        self.precision = "int8"
        self.write_manifest()
        self.full = Translator.load(self.folder, shortlist=False)
        self._gate("int8", reference, self.full, "the float32 graphs")

    def add_shortlist(self, model, frequent, per_source_token):
        """shortlist.json from the training pairs and the model's own outputs on their
        inputs (at the export's precision), shortlist_output.npz and the two shortlist
        graphs; GateError unless the shortlist gate passes."""
        full = self.full or self._reference()
        train = self.data.train
        outputs = self._greedy_outputs(full, train.texts)
        values = build_shortlist(train.sources, [(t[1:-1], o) for t, o in zip(train.targets, outputs)],
                                 len(self.data.source_vocab), len(self.data.target_vocab),
                                 frequent, per_source_token)
        write_json_atomic(os.path.join(self.folder, names.SHORTLIST_FILE), values)
        with open(os.path.join(self.folder, names.SHORTLIST_OUTPUT_FILE), "wb") as f:
            np.savez(f, **self._output_layer(model))
        self.io = names.graph_io(full.manifest.model["state_size"], len(self.data.target_vocab),
                                 full.manifest.attention, shortlist=True,
                                 precision=self.precision, output_size=full.manifest.output_size)
        for graph in names.SHORTLIST_GRAPHS:
            onnx.save(step_graph(model, graph, self.io[graph], self.precision),
                      os.path.join(self.folder, names.GRAPH_FILES[graph]))
        if self.precision == "int8":  # their LSTM, as in the other graphs
            quantize_graphs(self.folder, names.SHORTLIST_GRAPHS)
        self.shortlist = {"file": names.SHORTLIST_FILE,
                          "output_layer": names.SHORTLIST_OUTPUT_FILE, "frequent": frequent,
                          "per_source_token": per_source_token}
        self.write_manifest()
        sizes = [len(c) for c in values["candidates"]]
        self.log(f"shortlist: {len(values['frequent'])} frequent target tokens, up to "
                 f"{per_source_token} per source token (mean {np.mean(sizes):.1f}), from "
                 f"{len(train)} training pairs and the model's outputs on them")
        self._gate("shortlist", full, Translator.load(self.folder),
                   f"the full vocabulary ({self.precision})")

    def _output_layer(self, model):
        """shortlist_output.npz's arrays (runtime.shortlist): the Keras output layer, one
        kernel row per target token, or for int8 exports its quantized form (a column per
        target token), taken from the quantized full decoder graph."""
        if self.precision == "float32":
            kernel, bias = output_layer_weights(model)  # (units, V), (V,)
            return {"kernel_rows": np.ascontiguousarray(kernel.T), "bias": bias}
        graph = onnx.load(os.path.join(self.folder, names.DECODER_FILE)).graph
        weights = {w.name: numpy_helper.to_array(w) for w in graph.initializer}
        wanted = ("output_kernel_quantized", "output_kernel_scale", "output_kernel_zero_point",
                  "output_bias")  # the names onnxruntime's quantize_dynamic gives them
        missing = [name for name in wanted if name not in weights]
        if missing:
            raise ExportError(f"the quantized decoder has no {missing} (this onnxruntime's "
                              f"quantizer names its weights differently); export without "
                              f"--shortlist, or without --quantize")
        if weights["output_kernel_zero_point"].any():  # symmetric int8: the graphs assume 0
            raise ExportError("the quantized output layer has non-zero zero points")
        return {"kernel_columns": weights["output_kernel_quantized"],
                "scale": weights["output_kernel_scale"], "bias": weights["output_bias"]}

    @staticmethod
    def _greedy_outputs(translator, texts):
        """The translator's greedy output ids for each (input, target) text pair's input."""
        ids = translator.export.target_vocab.ids
        results = translator.translate_detailed([source for source, _ in texts], batch_size=BATCH)
        return [[ids[token] for token in result.tokens] for result in results]

    def _gate(self, kind, reference, candidate, compared_with):
        """Measure a gate on the validation sentences; GateError with its figures if it fails."""
        texts = [source for source, _ in self.data.validation.texts]
        references = [target for _, target in self.data.validation.texts]
        figures = gates.measure(kind, reference, candidate, texts, references, self.lowercase,
                                compared_with)
        self.figures[kind] = figures
        self.log(gates.summary(kind, figures))
        gates.check(kind, figures)
