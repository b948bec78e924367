"""Pieces of the hand-written step graphs that the tiny models' vocabularies do not reach:
the two-level argmax (from 1,024 target tokens on) and the padding it needs."""

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from export import step_graphs


def blocked_argmax_session():
    graph = step_graphs.Builder()
    position = step_graphs.blocked_argmax(graph, "logits")
    graph.add("Identity", [position], ["position"])
    proto = helper.make_model(helper.make_graph(
        graph.nodes, "argmax",
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "vocab"])],
        [helper.make_tensor_value_info("position", TensorProto.INT64, ["batch"])],
        graph.weights), opset_imports=[helper.make_opsetid("", step_graphs.OPSET)])
    onnx.checker.check_model(proto)
    return onnxruntime.InferenceSession(proto.SerializeToString(),
                                        providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_the_two_level_argmax_is_the_first_maximum(batch):
    session = blocked_argmax_session()
    rng = np.random.default_rng(batch)
    logits = rng.normal(0, 3, (batch, 1024)).astype(np.float32)
    logits[0, [5, 900]] = 50.0          # a tie across blocks: the first wins
    if batch > 1:
        logits[-1, [130, 131]] = 60.0   # a tie inside one block
    (position,) = session.run(None, {"logits": logits})
    np.testing.assert_array_equal(position, logits.argmax(axis=1))
    assert position[0] == 5 and (batch == 1 or position[-1] == 130)


def test_padding_fills_whole_blocks_with_columns_that_never_win():
    kernel = np.random.default_rng(0).normal(size=(4, 1030)).astype(np.float32)
    bias = np.zeros(1030, np.float32)
    padded_kernel, padded_bias = step_graphs.padded(kernel, bias)
    assert padded_kernel.shape == (4, 1152) and padded_bias.shape == (1152,)
    np.testing.assert_array_equal(padded_kernel[:, :1030], kernel)
    features = np.full((1, 4), 1e3, np.float32)  # large logits still beat the padding
    logits = features @ padded_kernel + padded_bias
    assert logits[0, 1030:].max() < -1e37 and logits[0].argmax() < 1030
