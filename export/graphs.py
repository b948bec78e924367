"""The Keras encoder -> encoder.onnx (tf2onnx), with the manifest's tensor names; checks of
the trained model and of the graphs' fused LSTM. The decoder graphs are written node by node
(export.step_graphs).

tf2onnx turns a masked Keras LSTM into a slow ONNX `Loop` (onnx/tensorflow-onnx#1871) and a
cuDNN-kernel LSTM into an op it cannot convert. So the encoder is rebuilt from the trained
layers *without* masking and without cuDNN, converted to ONNX's fused `LSTM`, and then given
per-row lengths through the LSTM's `sequence_lens` input (tokens != PAD_ID, summed): a padded
row then ends in the state its unpadded input gives, as the masked Keras encoder does.
"""

import keras
import onnx
import tensorflow as tf
import tf2onnx
from onnx import TensorProto, helper

from export.errors import ExportError
from runtime import manifest as names
from runtime.vocabulary import PAD_ID
from train import model as layers
from train.attention import LAYER_NAMES, attention_kind

from export.step_graphs import OPSET  # noqa: F401 (the manifest records it)
FORBIDDEN_OPS = {"Loop", "Scan", "If"}  # a recurrent loop instead of the fused LSTM op


def _rebuilt(trained, **changes):
    """A fresh, unbuilt copy of a trained layer with config changes (no mask, no cuDNN)."""
    return trained.__class__.from_config({**trained.get_config(), **changes})


def encoder_for_export(model):
    """source_tokens (batch, source_length) -> [state_h, state_c] and, with attention,
    encoder_outputs (batch, source_length, units), zero at PAD_ID; no mask (see module doc)."""
    find = model.get_layer  # check_supported(model) has passed
    embedding = _rebuilt(find(layers.ENCODER_EMBEDDING), mask_zero=False)
    # Dropout is off at inference; without it Keras keeps the LSTM's fused code path.
    lstm = _rebuilt(find(layers.ENCODER_LSTM), use_cudnn=False, dropout=0.0,
                    recurrent_dropout=0.0)
    tokens = keras.Input(shape=(None,), dtype="int32", name=names.SOURCE_TOKENS)
    outputs, state_h, state_c = lstm(embedding(tokens))
    embedding.set_weights(find(layers.ENCODER_EMBEDDING).get_weights())
    lstm.set_weights(find(layers.ENCODER_LSTM).get_weights())
    results = [state_h, state_c]
    if attention_kind(model) != "none":
        # ONNX's LSTM writes zeros past sequence_lens already; the product makes that explicit.
        real = keras.layers.Lambda(
            lambda t: tf.cast(tf.not_equal(t, PAD_ID), tf.float32)[:, :, None])(tokens)
        results.append(keras.layers.Multiply()([outputs, real]))
    return keras.Model(tokens, results, name="encoder_export")


REQUIRED_LAYERS = (layers.ENCODER_EMBEDDING, layers.ENCODER_LSTM, layers.DECODER_EMBEDDING,
                   layers.DECODER_LSTM)  # and DECODER_SOFTMAX, unless tied to the embedding


def check_supported(model):
    """An ExportError unless the model has every layer this exporter converts, by name."""
    present = {layer.name for layer in model.layers}
    required = REQUIRED_LAYERS + LAYER_NAMES[attention_kind(model)]
    if layers.DECODER_EMBEDDING in present and not layers.is_tied(model):
        required += (layers.DECODER_SOFTMAX,)
    missing = [name for name in required if name not in present]
    if missing:
        raise ExportError(f"the model has no layer named {missing[0]!r} (missing: {missing}; "
                          f"its layers: {sorted(present)}): not a model trained by "
                          f"`python -m train`")


def to_onnx(keras_model, specs):
    """Convert with tf2onnx; rename the outputs to the manifest's names. specs: (inputs, outputs)."""
    inputs, outputs = specs
    signature = tuple(tf.TensorSpec(_tf_shape(s.shape), s.dtype, name=s.name) for s in inputs)
    proto, _ = tf2onnx.convert.from_keras(keras_model, input_signature=signature, opset=OPSET)
    _rename(proto.graph, {old.name: new.name for old, new in zip(proto.graph.output, outputs)})
    for value, spec in zip([*proto.graph.input, *proto.graph.output], [*inputs, *outputs]):
        _set_shape(value, spec.shape)
    return proto


def _set_shape(value, shape):
    """Name the dynamic dimensions as the manifest does ("batch", ...), instead of unk__N."""
    dims = value.type.tensor_type.shape.dim
    del dims[:]
    for size in shape:
        dim = dims.add()
        if isinstance(size, int):
            dim.dim_value = size
        else:
            dim.dim_param = size


def _tf_shape(shape):
    return [d if isinstance(d, int) else None for d in shape]


def _rename(graph, mapping):
    for node in graph.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]
    for value in graph.output:
        value.name = mapping.get(value.name, value.name)


def add_sequence_lengths(proto):
    """Feed the encoder LSTM per-row lengths = count of tokens != PAD_ID (int32, (batch,))."""
    graph = proto.graph
    lstm = single_lstm(proto)
    graph.initializer.extend([
        helper.make_tensor("pad_id", TensorProto.INT32, [], [PAD_ID]),
        helper.make_tensor("time_axis", TensorProto.INT64, [1], [1]),
    ])
    computed = [
        helper.make_node("Equal", [names.SOURCE_TOKENS, "pad_id"], ["is_pad"]),
        helper.make_node("Not", ["is_pad"], ["is_token"]),
        helper.make_node("Cast", ["is_token"], ["token_count"], to=TensorProto.INT32),
        helper.make_node("ReduceSum", ["token_count", "time_axis"], [names.SOURCE_LENGTHS], keepdims=0),
    ]
    while len(lstm.input) < 5:
        lstm.input.append("")
    lstm.input[4] = names.SOURCE_LENGTHS  # LSTM inputs: X, W, R, B, sequence_lens, initial_h, initial_c
    nodes = computed + list(graph.node)  # computed from the graph input: valid first
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(proto)


def single_lstm(proto):
    """The graph's one fused LSTM node; an ExportError if there is none, several, or a loop."""
    ops = [node.op_type for node in proto.graph.node]
    loops = sorted(FORBIDDEN_OPS.intersection(ops))
    if loops or ops.count("LSTM") != 1:
        raise ExportError(f"{proto.graph.name}: expected exactly one fused LSTM op and no loops, "
                          f"found {ops.count('LSTM')} LSTM and {loops or 'no'} loop ops")
    return next(node for node in proto.graph.node if node.op_type == "LSTM")
