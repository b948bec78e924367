"""The decoder's one-step graphs, written node by node from the trained Keras weights.

tf2onnx converts the Keras step faithfully but wraps it in glue that runs at every step:
Keras's negative-index handling around the embedding lookup, Reshape/Shape/Cast chains around
the Dense layer's Tensordot, an unfused bias Add, a Softmax that greedy decoding never reads.
Each variant here holds only the step's arithmetic:

    Gather(embedding, previous_token) -> LSTM (one step, fused ONNX op) -> [attention]
        -> features (batch, units) -> MatMul + Add (kernel, bias) = logits (batch, vocab)
    decoder                  logits -> Softmax = probabilities; ArgMax = next_token
    decoder_greedy           logits -> ArgMax = next_token (no Softmax; from 1,024 target
                             tokens on, a two-level ArgMax over columns padded to whole
                             blocks of 128 that never win)
    decoder_top_k            logits -> LogSoftmax -> TopK(top_k): log-probabilities and ids
    decoder_*_shortlist      the output layer over the batch's candidates only: their kernel
                             columns and biases are inputs (int8 exports: the quantized
                             columns, computed as the int8 full layer is), plus the per-row
                             candidate_mask (0 or -inf); ids are mapped back to the
                             vocabulary's

ArgMax and TopK take the first of equal values, the lowest id (candidate ids are sorted), as
the full graph's ArgMax does. Keras takes its argmax over the probabilities, these graphs
over the logits: float32 rounding could make two near-equal tokens swap, which is why
export.parity checks next_token and top_ids for exact equality on every export, and greedy
outputs sentence by sentence. The arithmetic is the Keras model's.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from export.errors import ExportError
from runtime import manifest as names
from train import model as layers
from train.attention import (ATTENTION, ATTENTION_COMBINE, ATTENTION_KEY, ATTENTION_QUERY,
                             attention_kind)

OPSET = 17
KERAS_MASK_VALUE = 1.0e9  # keras.layers.Attention subtracts this from padded positions' scores
_ONNX_TYPES = {"int8": TensorProto.INT8, "int32": TensorProto.INT32, "int64": TensorProto.INT64,
               "float32": TensorProto.FLOAT}


class Builder:
    """Collects nodes and weights; every intermediate gets a unique name."""

    def __init__(self):
        self.nodes, self.weights = [], []

    def weight(self, name, array):
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def axis(self, axis):
        """An int64 (1,) tensor holding `axis`, for Squeeze/Unsqueeze/ReduceSum/Gather."""
        name = f"axis_{axis}"
        if name not in {w.name for w in self.weights}:
            self.weight(name, np.array([axis], np.int64))
        return name

    def add(self, op, inputs, outputs=None, **attributes):
        outputs = outputs or [f"{op.lower()}_{len(self.nodes)}"]
        self.nodes.append(helper.make_node(op, inputs, outputs, **attributes))
        return outputs[0] if len(outputs) == 1 else outputs

    def model(self, name, io):
        """The checked ModelProto of these nodes; io: the manifest's {"inputs", "outputs"}."""
        proto = helper.make_model(
            helper.make_graph(self.nodes, name, [_value(s) for s in io["inputs"]],
                              [_value(s) for s in io["outputs"]], self.weights),
            opset_imports=[helper.make_opsetid("", OPSET)], producer_name="lstm-seq2seq-onnx")
        onnx.checker.check_model(proto)
        return proto


def step_graph(model, variant, io, precision="float32"):
    """The ONNX ModelProto of decoder graph `variant` (a manifest GRAPH_FILES key) for a
    trained Keras model; io: the manifest's graph_io for it ({"inputs", "outputs"});
    precision: of a shortlist graph's candidate output layer (its LSTM is quantized later,
    with the other graphs, by export.quantize)."""
    graph = Builder()
    features = _lstm_step(graph, model)
    if attention_kind(model) != "none":
        features = _attend(graph, model, features)
    head(graph, *layers.output_layer_weights(model), variant, features, precision)
    return graph.model(variant, io)


def _value(spec):
    return helper.make_tensor_value_info(spec.name, _ONNX_TYPES[spec.dtype], list(spec.shape))


def _lstm_step(graph, model):
    """previous_token, state_h, state_c -> state_h_out, state_c_out; returns the step's output
    (batch, units), which for one step is state_h_out itself."""
    lstm = model.get_layer(layers.DECODER_LSTM)
    settings = lstm.get_config()
    if (settings["activation"], settings["recurrent_activation"]) != ("tanh", "sigmoid") \
            or not settings["use_bias"]:
        raise ExportError(f"the decoder LSTM uses activation {settings['activation']!r}, "
                          f"recurrent_activation {settings['recurrent_activation']!r}, "
                          f"use_bias {settings['use_bias']}; the export supports 'tanh', "
                          f"'sigmoid' and a bias (Keras's defaults)")
    embedding = model.get_layer(layers.DECODER_EMBEDDING).get_weights()[0]  # (vocab, embedding)
    embedded = graph.add("Gather", [graph.weight("embedding", embedding), names.PREVIOUS_TOKEN])
    return lstm_step(graph, embedded, *lstm.get_weights())


def lstm_step(graph, inputs, kernel, recurrent, bias):
    """inputs (batch, features), state_h, state_c -> state_h_out, state_c_out by one fused
    LSTM step with Keras's weights: kernel (features, 4u), recurrent (u, 4u), bias (4u,).
    Returns the step's output (batch, u), which for one step is state_h_out itself."""
    units = recurrent.shape[0]
    x = graph.add("Unsqueeze", [inputs, graph.axis(0)])  # (1 step, batch, features)
    h0 = graph.add("Unsqueeze", [names.STATE_H, graph.axis(0)])  # (1 direction, batch, units)
    c0 = graph.add("Unsqueeze", [names.STATE_C, graph.axis(0)])
    w, r, b = onnx_lstm_weights(graph, kernel, recurrent, bias)
    _, new_h, new_c = graph.add("LSTM", [x, w, r, b, "", h0, c0], ["", "lstm_h", "lstm_c"],
                                hidden_size=units)
    graph.add("Squeeze", [new_h, graph.axis(0)], [names.STATE_H_OUT])
    graph.add("Squeeze", [new_c, graph.axis(0)], [names.STATE_C_OUT])
    return names.STATE_H_OUT


def onnx_lstm_weights(graph, kernel, recurrent, bias):
    """Keras's LSTM weights as the ONNX LSTM op's W, R and B inputs (one direction)."""
    w = graph.weight("lstm_w", _onnx_gates(kernel).T[None])      # (1, 4u, features)
    r = graph.weight("lstm_r", _onnx_gates(recurrent).T[None])   # (1, 4u, u)
    b = graph.weight("lstm_b", np.concatenate([_onnx_gates(bias), np.zeros_like(bias)])[None])
    return w, r, b


def _onnx_gates(weights):
    """Keras orders an LSTM's gates (input, forget, cell, output) on the last axis; ONNX
    orders them (input, output, forget, cell)."""
    i, f, c, o = np.split(weights, 4, axis=-1)
    return np.concatenate([i, o, f, c], axis=-1)


def _attend(graph, model, output):
    """Luong-style global attention after the step, as train.attention builds it: score the
    encoder outputs, mask past source_lengths as Keras does, softmax, context, then
    tanh(W_c [context; output] + b_c). Outputs attention_weights (batch, source_length)."""
    find, kind = model.get_layer, attention_kind(model)
    memory = names.ENCODER_OUTPUTS  # (batch, source_length, units)
    query = output
    if kind in ("luong", "bahdanau"):
        query = graph.add("MatMul", [output, graph.weight(
            "attention_query", find(ATTENTION_QUERY).get_weights()[0])])
    if kind == "bahdanau":  # v^T tanh(W_1 q + W_2 k), v = the layer's scale
        keys = graph.add("MatMul", [memory, graph.weight(
            "attention_key", find(ATTENTION_KEY).get_weights()[0])])
        summed = graph.add("Add", [graph.add("Unsqueeze", [query, graph.axis(1)]), keys])
        scaled = graph.add("Mul", [graph.add("Tanh", [summed]), graph.weight(
            "attention_scale", find(ATTENTION).get_weights()[0])])
        scores = graph.add("ReduceSum", [scaled, graph.axis(2)], keepdims=0)
    else:  # q^T k
        column = graph.add("Unsqueeze", [query, graph.axis(2)])  # (batch, units, 1)
        scores = graph.add("Squeeze", [graph.add("MatMul", [memory, column]), graph.axis(2)])
    scores = _mask_padding(graph, scores, memory)
    weights = graph.add("Softmax", [scores], [names.ATTENTION_WEIGHTS], axis=1)
    row = graph.add("Unsqueeze", [weights, graph.axis(1)])  # (batch, 1, source_length)
    context = graph.add("Squeeze", [graph.add("MatMul", [row, memory]), graph.axis(1)])
    kernel, bias = find(ATTENTION_COMBINE).get_weights()  # (2 units, units), (units,)
    joined = graph.add("Concat", [context, output], axis=1)
    product = graph.add("MatMul", [joined, graph.weight("combine_kernel", kernel)])
    combined = graph.add("Add", [product, graph.weight("combine_bias", bias)])
    return graph.add("Tanh", [combined])


def _mask_padding(graph, scores, memory):
    """scores (batch, source_length) -> scores - 1e9 at positions >= source_lengths."""
    width = graph.add("Gather", [graph.add("Shape", [memory]), graph.axis(1)], axis=0)
    positions = graph.add("Range", [graph.weight("zero", np.array(0, np.int64)),
                                    graph.add("Squeeze", [width, graph.axis(0)]),
                                    graph.weight("one", np.array(1, np.int64))])
    lengths = graph.add("Unsqueeze", [graph.add("Cast", [names.SOURCE_LENGTHS],
                                                to=TensorProto.INT64), graph.axis(1)])
    real = graph.add("Less", [positions, lengths])  # (batch, source_length)
    lowered = graph.add("Sub", [scores, graph.weight("mask_value",
                                                     np.array(KERAS_MASK_VALUE, np.float32))])
    return graph.add("Where", [real, scores, lowered])


def _int8_candidates(graph, features):
    """The candidates' logits as onnxruntime's dynamic quantization computes the full int8
    output layer, node for node (onnxruntime fuses them into one DynamicQuantizeMatMul):
    the features quantized to uint8 on the fly, times the int8 kernel columns (zero points
    0), scaled back per column, plus the bias."""
    quantized, scale, zero_point = graph.add("DynamicQuantizeLinear", [features],
                                             ["features_q", "features_scale", "features_zero"])
    scales = graph.add("Mul", [scale, names.CANDIDATE_SCALE])
    product = graph.add("MatMulInteger", [quantized, names.CANDIDATE_KERNEL, zero_point])
    scaled = graph.add("Mul", [graph.add("Cast", [product], to=TensorProto.FLOAT), scales])
    return graph.add("Add", [scaled, names.CANDIDATE_BIAS])


def head(graph, kernel, bias, variant, features, precision="float32"):
    """features (batch, units) -> the variant's outputs (see the module docstring) through
    the output layer kernel (units, V), bias (V,)."""
    shortlist = variant in names.SHORTLIST_GRAPHS
    if shortlist:  # the runtime feeds the batch's columns of the output layer
        scores = (_int8_candidates(graph, features) if precision == "int8" else graph.add(
            "Gemm", [features, names.CANDIDATE_KERNEL, names.CANDIDATE_BIAS], transB=1))
        logits = graph.add("Add", [scores, names.CANDIDATE_MASK])  # (batch, candidates)
    else:
        blocked = variant == "decoder_greedy" and kernel.shape[1] >= BLOCKED_ARGMAX_FROM
        if blocked:  # padded to whole blocks for blocked_argmax
            kernel, bias = padded(kernel, bias)
        # MatMul + Add, which onnxruntime fuses into one Gemm, and which its dynamic int8
        # quantization handles (it leaves Gemm in float32)
        product = graph.add("MatMul", [features, graph.weight("output_kernel", kernel)])
        logits = graph.add("Add", [product, graph.weight("output_bias", bias)])  # (batch, V)
    if variant == "decoder":
        graph.add("Softmax", [logits], [names.PROBABILITIES], axis=1)
    if variant == "decoder_greedy" and blocked:
        _vocabulary_ids(graph, blocked_argmax(graph, logits), names.NEXT_TOKEN, False)
        return
    if variant in ("decoder", "decoder_greedy", "decoder_greedy_shortlist"):
        position = graph.add("ArgMax", [logits], axis=1, keepdims=0)  # first of equals
        _vocabulary_ids(graph, position, names.NEXT_TOKEN, shortlist)
        return
    # LogSoftmax, then TopK: ReduceLogSumExp would avoid writing every log-probability, but
    # onnxruntime's is 3x slower and 10x less exact (its sum has no max subtracted)
    log_p = graph.add("LogSoftmax", [logits], axis=1)
    _, positions = graph.add("TopK", [log_p, names.TOP_K],
                             [names.TOP_LOG_PROBABILITIES, "top_positions"], axis=1, largest=1,
                             sorted=1)
    _vocabulary_ids(graph, positions, names.TOP_IDS, shortlist)


ARGMAX_BLOCK = 128
# Below this many target tokens one ArgMax is cheaper than the two-level one's extra nodes
# (about 1 us each at batch 1): ArgMax over 64 x 1,024 logits takes ~38 us.
BLOCKED_ARGMAX_FROM = 1024
PAD_LOGIT = -3.0e38  # a padded column's bias: below any real logit, still finite


def padded(kernel, bias):
    """The output layer with columns added up to a multiple of ARGMAX_BLOCK: copies of column
    0 (so that per-channel int8 scales stay sane) whose bias makes them never the largest."""
    extra = -kernel.shape[1] % ARGMAX_BLOCK
    return (np.concatenate([kernel, np.repeat(kernel[:, :1], extra, axis=1)], axis=1),
            np.concatenate([bias, np.full(extra, PAD_LOGIT, bias.dtype)]))


def blocked_argmax(graph, logits):
    """ArgMax over (batch, V) logits, V a multiple of ARGMAX_BLOCK, in two levels: the block
    holding the maximum (a vectorised ReduceMax, then ArgMax over V / 128 block maxima), then
    the position inside it. onnxruntime's ArgMax is a scalar loop: at batch 64 over 6,528
    logits it takes ~250 us; this takes ~33 us. Both give the first of equal maxima."""
    blocks = graph.add("Reshape", [logits, graph.weight(
        "block_shape", np.array([0, -1, ARGMAX_BLOCK], np.int64))])  # (batch, blocks, 128)
    block = graph.add("ArgMax", [graph.add("ReduceMax", [blocks], axes=[2], keepdims=0)],
                      axis=1, keepdims=1)  # (batch, 1) int64
    inside = graph.add("GatherND", [blocks, block], batch_dims=1)  # (batch, 128)
    inner = graph.add("ArgMax", [inside], axis=1, keepdims=1)  # (batch, 1)
    width = graph.weight("block_width", np.array(ARGMAX_BLOCK, np.int64))
    position = graph.add("Add", [graph.add("Mul", [block, width]), inner])
    return graph.add("Squeeze", [position, graph.axis(1)])  # (batch,)


def _vocabulary_ids(graph, positions, output, shortlist):
    """int64 positions in the logits -> int32 vocabulary ids named `output`."""
    if shortlist:
        graph.add("Gather", [names.CANDIDATE_IDS, positions], [output])
    else:
        graph.add("Cast", [positions], [output], to=TensorProto.INT32)
