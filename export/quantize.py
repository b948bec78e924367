"""`--quantize int8`: every graph's weights as int8, by onnxruntime's dynamic quantization.

Per channel (one scale per output column of each weight matrix), signed symmetric int8
weights, with the activations quantized on the fly at every call, one scale for the whole
batch (so an int8 row's output can depend on what shares its batch). Quantized: the LSTMs
(DynamicQuantizeLSTM) and the MatMuls with a constant weight (the output layer, attention's
projections). Left in float32: the embeddings (Gather). The shortlist graphs' output layer is
int8 too, computed from these weights as the full layer is (export.step_graphs). The int8
graphs replace the float32 ones; whether they are good enough is decided by export.gates,
on the run's validation sentences.
"""

import logging
import os

from runtime.manifest import GRAPH_FILES

QUANTIZATIONS = ("int8",)
QUANTIZED_OPS = ["MatMul", "LSTM"]


def quantize_graphs(folder, graphs):
    """Replace each of `graphs` (manifest GRAPH_FILES keys) in `folder` by its int8 version."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # its advice to run shape inference first: not needed here
    try:
        for graph in graphs:
            path = os.path.join(folder, GRAPH_FILES[graph])
            quantized = path + ".int8"
            quantize_dynamic(path, quantized, per_channel=True, weight_type=QuantType.QInt8,
                             op_types_to_quantize=QUANTIZED_OPS,
                             extra_options={"MatMulConstBOnly": True})  # weights only
            os.replace(quantized, path)
    finally:
        logging.disable(logging.NOTSET)
