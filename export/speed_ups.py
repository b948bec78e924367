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
from runtime.backends import cpu_backend
from runtime.greedy import greedy_decode
from runtime.translator import Translator
from runtime.vocabulary import pad_sequences
from train.model import DECODER_SOFTMAX

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
        self.int8 = None  # the int8 Translator without a shortlist

    def write_manifest(self):
        manifest = self.describe(self.io, self.precision, self.shortlist)
        write_text_atomic(os.path.join(self.folder, names.MANIFEST_FILE), manifest.to_json())
        return manifest

    def _reference(self):
        if self.float32 is None:
            self.float32 = Translator.load(self.folder, shortlist=False)
        return self.float32

    def add_shortlist(self, model, frequent, per_source_token):
        """shortlist.json from the training pairs and the model's own outputs on their
        inputs, and the two shortlist graphs."""
        train = self.data.train
        outputs = self._greedy_outputs(train.sources)  # at the export's precision
        values = build_shortlist(train.sources, [(t[1:-1], o) for t, o in zip(train.targets, outputs)],
                                 len(self.data.source_vocab), len(self.data.target_vocab),
                                 frequent, per_source_token)
        write_json_atomic(os.path.join(self.folder, names.SHORTLIST_FILE), values)
        with open(os.path.join(self.folder, names.SHORTLIST_OUTPUT_FILE), "wb") as f:
            np.savez(f, **self._output_layer(model))
        manifest = self.describe(self.io, self.precision, None)
        self.io = names.graph_io(manifest.model["state_size"], manifest.model["target_vocab_size"],
                                 manifest.attention, shortlist=True, precision=self.precision)
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

    def _full_vocabulary(self):
        """A Translator of the folder's graphs as they are now, without a shortlist."""
        if self.precision == "float32":
            return self._reference()
        if self.int8 is None:
            self.int8 = Translator.load(self.folder, shortlist=False)
        return self.int8

    def _output_layer(self, model):
        """shortlist_output.npz's arrays (runtime.shortlist): the Keras output layer, one
        kernel row per target token, or for int8 exports its quantized form (a column per
        target token), taken from the quantized full decoder graph."""
        if self.precision == "float32":
            kernel, bias = model.get_layer(DECODER_SOFTMAX).get_weights()  # (units, V), (V,)
            return {"kernel_rows": np.ascontiguousarray(kernel.T), "bias": bias}
        graph = onnx.load(os.path.join(self.folder, names.DECODER_FILE)).graph
        weights = {w.name: numpy_helper.to_array(w) for w in graph.initializer}
        if weights["output_kernel_zero_point"].any():  # symmetric int8: the graphs assume 0
            raise ExportError("the quantized output layer has non-zero zero points")
        return {"kernel_columns": weights["output_kernel_quantized"],
                "scale": weights["output_kernel_scale"], "bias": weights["output_bias"]}

    def _greedy_outputs(self, sources):
        """The export's greedy output ids (full vocabulary) for each source, in order."""
        reference = self._full_vocabulary()
        backend = cpu_backend(reference.sessions, reference.has_attention)
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        outputs = [None] * len(sources)
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            decoded = greedy_decode(backend, pad_sequences([sources[i] for i in rows]),
                                    reference.manifest.max_target_length)
            for row, ids in zip(rows, decoded):
                outputs[row] = ids
        return outputs

    def quantize(self):
        self._reference()  # the float32 sessions, before their files are replaced
        quantize_graphs(self.folder, list(self.io))
        self.precision = "int8"
        self.write_manifest()

    def gate(self):
        """Measure and check every gate that applies; -> {gate: figures} for parity.json."""
        if self.precision == "float32" and not self.shortlist:
            return {}
        texts = [source for source, _ in self.data.validation.texts]
        references = [target for _, target in self.data.validation.texts]
        figures = {}

        def measure(kind, reference, candidate, compared_with):
            figures[kind] = gates.measure(kind, reference, candidate, texts, references,
                                          self.lowercase, compared_with)
            self.log(gates.summary(kind, figures[kind]))

        full = self._full_vocabulary()
        if self.precision == "int8":
            measure("int8", self._reference(), full, "the float32 graphs")
            gates.check("int8", figures["int8"])
        if self.shortlist:
            shortlisted = Translator.load(self.folder)
            measure("shortlist", full, shortlisted,
                    f"the full vocabulary ({self.precision})")
            gates.check("shortlist", figures["shortlist"])
        return figures
