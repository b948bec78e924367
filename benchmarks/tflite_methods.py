"""The TFLite (LiteRT) baseline of the decode benchmark: what a Keras user would otherwise
pick for light CPU inference, run through the same greedy loop (runtime.greedy) as the ONNX
runtime, so that only the encode and per-step costs in tf.lite.Interpreter differ.

Conversion. The Keras 3 models do not convert as they are: a Keras 3 LSTM (the one-step
decoder's too) is a `tf.while_loop` over TensorLists whose element shape holds the dynamic
batch, which the converter cannot lower to builtins ("TensorListReserve requires
element_shape to be static"); `Model.export(format="litert")` keeps that op as Flex (Select
TF), which the interpreter shipped with TensorFlow cannot run; and
`_experimental_default_to_single_batch_in_tensor_list_ops` fixes the batch at 1 (our try
gave NaN states). TFLite's fused UNIDIRECTIONAL_SEQUENCE_LSTM is out of reach too: the
converter fuses only Keras 2 (tf_keras) LSTMs, and only with a fixed batch, no mask and the
final states unused (the op has no c output), while decoding needs h and c in and out of
every step. So `convert` traces the same computation from the trained weights as plain
tf.functions (LSTMCell's math: z = x K + h R + b, gates i, f, c, o, the layer's own
activations; a padded step keeps the state, as Keras's mask does), which converts to
builtins only, batch and source length dynamic (-1):
    encoder: GATHER (embedding), FULLY_CONNECTED (x K for every step at once), WHILE over
             time (body: FULLY_CONNECTED h R, ADD, SPLIT, LOGISTIC, TANH, MUL, SELECT_V2).
    step:    GATHER, 3 FULLY_CONNECTED (x K, h R, the softmax layer), ADD, SPLIT, LOGISTIC,
             TANH, MUL, ARG_MAX -> next_token (rows,) int32 and the states. The converter
             drops the SOFTMAX itself: only the argmax reads it (same argmax barring ties).
`quantize=True` is dynamic-range int8: int8 weights and embedding tables, float
activations (hybrid FULLY_CONNECTEDs; GATHER then DEQUANTIZE of the gathered rows). It is
not exact: on the trained default model 56 of 64 greedy outputs matched fp32's.

Running. One tf.lite.Interpreter per model, num_threads=`threads` (1 in the benchmark);
re-allocated only when an input shape changes (~15 us: greedy_decode's compaction shrinks
the batch as rows finish); Python adds a few us per step (invoke is ~70 us at batch 1).
XNNPACK, TFLite's default CPU delegate, is applied to both fp32 and int8 models ("Created
TensorFlow Lite XNNPACK delegate for CPU"): in the step it takes the FULLY_CONNECTEDs and
the gates (two partitions), GATHER and ARG_MAX run on builtin kernels. Without it a batch-64
step was 2.7x (fp32) and 10x (int8) slower. tf.lite.Interpreter is deprecated in favour of
the ai-edge-litert package (on PyPI, 2.3.0); this project does not depend on it.

Masking: a right-padded batch of mixed lengths gives every row the state of its unpadded
input, as the masked Keras encoder does, so batches need no grouping by length
(tests/benchmarks/test_tflite_methods.py checks it, and greedy outputs equal to Keras's).
"""

import warnings

import numpy as np
import tensorflow as tf

from runtime.greedy import Backend
from runtime.vocabulary import PAD_ID
from train import model as layers
from train.attention import attention_kind


def convert(encoder, decoder_step, quantize=False):
    """Keras inference models (train.model.build_inference_models, no attention) ->
    (encoder .tflite bytes, decoder step .tflite bytes):
        encoder: tokens (batch, source_len) int32 -> state_h, state_c (batch, units)
        step:    token (rows,) int32, state_h, state_c (rows, units) float32
                 -> next_token (rows,) int32, state_h, state_c
    quantize: dynamic-range int8 weights (tf.lite.Optimize.DEFAULT, no dataset)."""
    if attention_kind(encoder) != "none" or attention_kind(decoder_step) != "none":
        raise ValueError("the TFLite baseline supports models without attention only "
                         "(attention='none')")
    source_table = _constant(encoder.get_layer(layers.ENCODER_EMBEDDING).embeddings)
    source_lstm = _Lstm(encoder.get_layer(layers.ENCODER_LSTM))
    target_table = _constant(decoder_step.get_layer(layers.DECODER_EMBEDDING).embeddings)
    target_lstm = _Lstm(decoder_step.get_layer(layers.DECODER_LSTM))
    # The output layer (a Dense with softmax, or the tied target embedding)
    softmax_kernel, softmax_bias = (_constant(w) for w in layers.output_layer_weights(decoder_step))
    units = target_lstm.units

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name="tokens")])
    def encode(tokens):
        # Every step's x K at once: (batch, len, embedding) @ (embedding, 4 units).
        inputs = tf.matmul(tf.gather(source_table, tokens), source_lstm.kernel)
        real = tf.expand_dims(tf.not_equal(tokens, PAD_ID), -1)  # (batch, len, 1) bool
        zeros = tf.zeros([tf.shape(tokens)[0], source_lstm.units])

        def body(t, h, c):  # a padded step keeps the state, as Keras's mask does
            new_h, new_c = source_lstm.step(inputs[:, t], h, c)
            return t + 1, tf.where(real[:, t], new_h, h), tf.where(real[:, t], new_c, c)

        _, h, c = tf.while_loop(lambda t, h, c: t < tf.shape(tokens)[1], body,
                                (tf.constant(0), zeros, zeros))
        return {"state_h": h, "state_c": c}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32, name="token"),
                                  tf.TensorSpec([None, units], tf.float32, name="state_h"),
                                  tf.TensorSpec([None, units], tf.float32, name="state_c")])
    def step(token, state_h, state_c):
        inputs = tf.matmul(tf.gather(target_table, token), target_lstm.kernel)  # (rows, 4u)
        h, c = target_lstm.step(inputs, state_h, state_c)
        # (rows, vocab); the converter drops the softmax, which only the argmax reads
        probabilities = tf.nn.softmax(tf.matmul(h, softmax_kernel) + softmax_bias)
        next_token = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"next_token": next_token, "state_h": h, "state_c": c}

    return _to_tflite(encode, quantize), _to_tflite(step, quantize)


class _Lstm:
    """A trained Keras LSTM layer's weights as constants (the converted models hold no
    variables), and one step of its cell as LSTMCell (implementation 2) computes it:
    z = x K + h R + b, split into the gates i, f, c, o."""

    def __init__(self, layer):
        cell = layer.cell
        self.units, self.act, self.gate = cell.units, cell.activation, cell.recurrent_activation
        self.kernel, self.recurrent = _constant(cell.kernel), _constant(cell.recurrent_kernel)
        self.bias = _constant(cell.bias) if cell.use_bias else 0.0

    def step(self, inputs_kernel, h, c):
        """(x K (rows, 4 units), h, c (rows, units)) -> (new h, new c)."""
        z = inputs_kernel + tf.matmul(h, self.recurrent) + self.bias
        i, f, g, o = tf.split(z, 4, axis=1)
        c = self.gate(f) * c + self.gate(i) * self.act(g)
        return self.gate(o) * self.act(c), c


def _constant(variable):
    return tf.constant(np.asarray(variable))


def _to_tflite(function, quantize):
    holder = tf.Module()  # the trackable object the non-deprecated conversion path wants
    holder.function = function
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()], holder)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic range: no dataset
    return converter.convert()


class _Runner:
    """One interpreter; inputs and outputs in the given orders, found by their names in
    the model's signature; re-allocated only when the input shapes change (~15 us)."""

    def __init__(self, model_bytes, threads, input_names, output_names):
        with warnings.catch_warnings():  # "deprecated ... use ai_edge_litert" (module doc)
            warnings.filterwarnings("ignore", "\\s*Warning: tf.lite.Interpreter is deprecated")
            self.interpreter = tf.lite.Interpreter(model_content=model_bytes,
                                                   num_threads=threads)
        signature = self.interpreter.get_signature_runner()
        inputs, outputs = signature.get_input_details(), signature.get_output_details()
        self.inputs = [inputs[name]["index"] for name in input_names]
        self.outputs = [outputs[name]["index"] for name in output_names]
        self.shapes = None

    def __call__(self, *values):
        """-> [output arrays (copies: the next invoke overwrites the interpreter's)]."""
        interpreter, shapes = self.interpreter, [v.shape for v in values]
        if shapes != self.shapes:
            for index, shape in zip(self.inputs, shapes):
                interpreter.resize_tensor_input(index, shape, strict=False)
            interpreter.allocate_tensors()
            self.shapes = shapes
        for index, value in zip(self.inputs, values):
            interpreter.set_tensor(index, value)
        interpreter.invoke()
        return [interpreter.get_tensor(index) for index in self.outputs]


def tflite_backend(encoder_bytes, decoder_bytes, threads=1):
    """The converted models as a runtime.greedy.Backend(encode, step, None)."""
    encoder = _Runner(encoder_bytes, threads, ["tokens"], ["state_h", "state_c"])
    decoder = _Runner(decoder_bytes, threads, ["token", "state_h", "state_c"],
                      ["next_token", "state_h", "state_c"])

    def encode(tokens):  # (batch, source_len) int32 -> (state_h, state_c) (batch, units)
        return tuple(encoder(np.ascontiguousarray(tokens, dtype=np.int32)))

    def step(token, state, weights=False):  # token (rows,) int32, state (h, c) (rows, units)
        next_token, h, c = decoder(np.ascontiguousarray(token, dtype=np.int32),
                                   np.ascontiguousarray(state[0], dtype=np.float32),
                                   np.ascontiguousarray(state[1], dtype=np.float32))
        return next_token, (h, c), None

    return Backend(encode, step, None)
