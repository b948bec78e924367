"""The decoding methods the decode benchmark compares, each as a Method: a name, a way to
decode a batch of the benchmark's sentences, and a Backend whose one step can be timed.

Keras (train.model's inference models): `predict` per step (the seeds' decode_sequence),
called directly, and through tf.function. TFLite (benchmarks/tflite_methods.py): fp32 and
dynamic-range int8. The runtime (Translator, tokenization included) on exports of the same
run: the full step graph (softmax and argmax, as format 3 decoded), the lean fp32 graphs,
int8, a shortlist, int8 with a shortlist.
"""

import dataclasses

import numpy as np

from runtime.backends import cpu_backend
from runtime.greedy import Backend, greedy_decode
from runtime.translator import Translator
from runtime.vocabulary import END_ID, START_ID, pad_sequences, source_lengths


@dataclasses.dataclass
class Method:
    name: str
    decode: object        # ([sentence index]) -> [[output ids]], one batch
    backend: object       # a runtime.greedy.Backend, for timing one step; None: not timed
    exact: bool = True    # must equal Keras's outputs exactly
    batched: bool = True  # measured at batch 64 too (predict per step and direct: batch 1)


def keras_predict(encoder, decoder_step, sources, max_length):
    """keras-io's decode_sequence: one `predict` call for the encoder, one per step."""
    def decode(indices):
        return [_predict_one(encoder, decoder_step, sources[i], max_length) for i in indices]
    return Method("keras predict per step (keras-io)", decode, None, batched=False)


def _predict_one(encoder, decoder_step, source, max_length):
    state = list(encoder.predict(source[None, :], verbose=0))
    if len(state) == 3:  # attention: state_h, state_c, encoder_outputs
        state.append(source_lengths(source[None, :]))
    token, output = np.array([[START_ID]], dtype=np.int32), []
    for _ in range(max_length):
        probabilities, *new_state = decoder_step.predict([token, *state], verbose=0)
        state[:2] = new_state[:2]
        next_id = int(probabilities[0].argmax())
        if next_id == END_ID:
            break
        output.append(next_id)
        token = np.array([[next_id]], dtype=np.int32)
    return output


def backend_method(name, backend, sources, max_length, exact=True, batched=True):
    """A Method decoding source ids with greedy_decode over `backend`."""
    def decode(indices):
        return greedy_decode(backend, pad_sequences([sources[i] for i in indices]), max_length)
    return Method(name, decode, backend, exact, batched)


def keras_function_backend(encoder, decoder_step):
    """The Keras inference models with each call compiled by tf.function."""
    import tensorflow as tf

    encode = tf.function(lambda tokens: encoder(tokens, training=False), reduce_retracing=True)
    step = tf.function(lambda token, *state: decoder_step([token, *state], training=False),
                       reduce_retracing=True)

    def encode_numpy(tokens):
        state = tuple(np.asarray(x) for x in encode(tokens))
        return state + (source_lengths(tokens),) if len(state) == 3 else state  # attention

    def step_numpy(token, state, weights=False):
        probabilities, state_h, state_c, *_ = (np.asarray(x) for x in step(token[:, None], *state))
        return (probabilities.argmax(axis=-1).astype(np.int32), (state_h, state_c, *state[2:]),
                None)

    return Backend(encode_numpy, step_numpy, None)


def runtime_method(name, export_dir, texts, target_vocab, full_step=False, exact=True):
    """The runtime's Translator on an export. full_step: greedy decoding on the full step
    graph (`decoder`: softmax and argmax), as exports of format 3 decoded."""
    translator = Translator.load(export_dir)
    if full_step:
        sessions = {g: translator.sessions[g] for g in ("encoder", "decoder")}
        translator = Translator(translator.export, sessions)
    backend = cpu_backend(translator.sessions, translator.has_attention, translator.shortlist)

    def decode(indices):
        results = translator.translate_detailed([texts[i] for i in indices], batch_size=64)
        return [[target_vocab.ids[t] for t in result.tokens] for result in results]
    return Method(name, decode, backend, exact)
