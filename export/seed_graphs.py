"""The ONNX graphs of an imported seed model (export.seed_model), written node by node.

The tutorials' models read one-hot rows and predict over their own sorted vocabularies. An
export's vocabularies start with the reserved tokens (runtime.vocabulary), so ids are
mapped: the script's token at index j has id j + 4 on both sides. Then:

    encoder   source_tokens (batch, steps) -> script index (Gather; -1 for <pad>, <start>,
              <end>, <unk>) -> one-hot (batch, steps, source tokens), all zero for -1 ->
              the encoder LSTM over every step (no sequence lengths: the runtime pads each
              row to the script's fixed length with its padding token, or with <pad>,
              whose row is all zero, as the notebook's) -> state_h, state_c
    decoder   previous_token -> one LSTM step on its one-hot row (<start> is the script's
              start token), whose input product is the kernel's row: gates = that row
              (gathered by id) + bias + h R, in plain ops (at batch 1 the keras-io model's
              step takes 22 us so, 29 us with a one-step fused LSTM) -> Dense logits over
              the script's tokens. next_token is
              the script's np.argmax (the first of equal maxima in the script's column
              order), mapped to its id: the script's end token is <end>, so the runtime
              stops on it. The probabilities (decoder) and the top-k (decoder_top_k) are
              arranged by id: the end token's column is <end>'s; <pad>, <start>, <unk> and
              the end token's own id get MASKED_LOGIT and are never chosen

A one-hot row times the LSTM's kernel is the kernel's row, so this computes exactly what
the Keras model computes on the script's arrays.
"""

import numpy as np
from onnx import TensorProto

from export.step_graphs import (BLOCKED_ARGMAX_FROM, Builder, blocked_argmax, head,
                                onnx_lstm_weights, padded)
from runtime import manifest as names
from runtime.vocabulary import END_ID, RESERVED, START_ID

MASKED_LOGIT = -3.0e38  # below any real logit, still finite
NOT_A_TOKEN = -1  # the script index of ids the script has no token for


def source_index(script_tokens):
    """(len(RESERVED) + tokens,) int64: each source id's script index, or -1."""
    return np.array([NOT_A_TOKEN] * len(RESERVED) + list(range(len(script_tokens))), np.int64)


def target_index(script_tokens, start):
    """Each target id's script index as a decoder input: <start> is the script's start token."""
    index = source_index(script_tokens)
    index[START_ID] = script_tokens.index(start)
    return index


def output_columns(script_tokens, end):
    """(len(RESERVED) + tokens,) int64: the script's output column of each target id, or -1
    for ids that are never emitted. <end> is the script's end token."""
    columns = source_index(script_tokens)
    end_index = script_tokens.index(end)
    columns[END_ID] = end_index
    columns[len(RESERVED) + end_index] = NOT_A_TOKEN
    return columns


def column_ids(columns):
    """The inverse of output_columns: (script tokens,) int32, each column's id."""
    ids = np.zeros(int(columns.max()) + 1, np.int32)
    for id_, column in enumerate(columns):
        if column != NOT_A_TOKEN:
            ids[column] = id_
    return ids


def arranged_output_layer(kernel, bias, columns):
    """The Dense kernel (units, V) and bias (V,) arranged by id, masked ids included."""
    masked = columns == NOT_A_TOKEN
    taken = np.where(masked, 0, columns)
    return (np.where(masked[None, :], 0.0, kernel[:, taken]).astype(np.float32),
            np.where(masked, MASKED_LOGIT, bias[taken]).astype(np.float32))


def _one_hot(graph, ids, index, size, prefix):
    """ids (...) int32 -> (..., size) float32, all zero where index[id] is -1."""
    script = graph.add("Gather", [graph.weight(f"{prefix}_index", index), ids])
    column = graph.add("Unsqueeze", [script, graph.axis(-1)])
    positions = graph.weight(f"{prefix}_positions", np.arange(size, dtype=np.int64))
    return graph.add("Cast", [graph.add("Equal", [column, positions])], to=TensorProto.FLOAT)


def encoder_graph(model, source_tokens, io):
    """encoder.onnx for a SeedModel whose source vocabulary is source_tokens."""
    graph = Builder()
    one_hot = _one_hot(graph, names.SOURCE_TOKENS, source_index(source_tokens),
                       model.source_size, "source")  # (batch, steps, tokens)
    steps_first = graph.add("Transpose", [one_hot], perm=[1, 0, 2])  # ONNX LSTM: (steps, batch, .)
    w, r, b = onnx_lstm_weights(graph, *model.encoder)
    _, h, c = graph.add("LSTM", [steps_first, w, r, b], ["", "encoder_h", "encoder_c"],
                        hidden_size=model.units)
    graph.add("Squeeze", [h, graph.axis(0)], [names.STATE_H])
    graph.add("Squeeze", [c, graph.axis(0)], [names.STATE_C])
    return graph.model("encoder", io)


def decoder_graph(model, target_tokens, recipe, variant, io):
    """Decoder graph `variant` (decoder, decoder_greedy, decoder_top_k) for a SeedModel."""
    graph = Builder()
    features = _lstm_cell_step(graph, target_index(target_tokens, recipe.start), *model.decoder)
    columns = output_columns(target_tokens, recipe.end)
    if variant == "decoder_top_k":
        head(graph, *arranged_output_layer(*model.dense, columns), variant, features)
    else:
        _script_argmax_head(graph, model.dense, columns, variant, features)
    return graph.model(variant, io)


def _lstm_cell_step(graph, index, kernel, recurrent, bias):
    """previous_token, state_h, state_c -> state_h_out, state_c_out: Keras's LSTM cell
    (gates in its order: input, forget, cell, output) on the one-hot row of each id's
    script index (all zero for -1). Returns the step's output, state_h_out (batch, units)."""
    rows = np.where((index >= 0)[:, None], kernel[np.maximum(index, 0)], 0.0) + bias
    inputs = graph.add("Gather", [graph.weight("input_gates", rows.astype(np.float32)),
                                  names.PREVIOUS_TOKEN])  # (batch, 4 units)
    recurrent_part = graph.add("MatMul", [names.STATE_H, graph.weight("recurrent", recurrent)])
    gates = graph.add("Add", [inputs, recurrent_part])
    i, f, c, o = graph.add("Split", [gates], ["gate_i", "gate_f", "gate_c", "gate_o"], axis=1)
    kept = graph.add("Mul", [graph.add("Sigmoid", [f]), names.STATE_C])
    added = graph.add("Mul", [graph.add("Sigmoid", [i]), graph.add("Tanh", [c])])
    cell = graph.add("Add", [kept, added], [names.STATE_C_OUT])
    return graph.add("Mul", [graph.add("Sigmoid", [o]), graph.add("Tanh", [cell])],
                     [names.STATE_H_OUT])


def _script_argmax_head(graph, dense, columns, variant, features):
    """next_token as the script picks it; for `decoder` also the probabilities by id."""
    kernel, bias = dense  # (units, V), (V,) in the script's order
    if variant == "decoder":
        arranged_kernel, arranged_bias = arranged_output_layer(kernel, bias, columns)
        product = graph.add("MatMul", [features, graph.weight("output_kernel", arranged_kernel)])
        logits = graph.add("Add", [product, graph.weight("output_bias", arranged_bias)])
        graph.add("Softmax", [logits], [names.PROBABILITIES], axis=1)
    blocked = variant == "decoder_greedy" and kernel.shape[1] >= BLOCKED_ARGMAX_FROM
    ids = column_ids(columns)
    if blocked:  # padded columns never win; their ids are never read
        kernel, bias = padded(kernel, bias)
        ids = np.concatenate([ids, np.zeros(kernel.shape[1] - len(ids), np.int32)])
    product = graph.add("MatMul", [features, graph.weight("script_kernel", kernel)])
    logits = graph.add("Add", [product, graph.weight("script_bias", bias)])
    position = blocked_argmax(graph, logits) if blocked else graph.add(
        "ArgMax", [logits], axis=1, keepdims=0)  # the first of equal maxima, as np.argmax
    graph.add("Gather", [graph.weight("column_ids", ids), position], [names.NEXT_TOKEN])
