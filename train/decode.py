"""Greedy decoding with the Keras inference models, called directly (not through
`predict`, which is far slower per call). Used for sample outputs, and the reference the
ONNX export is checked against."""

import numpy as np

from runtime.greedy import Backend, greedy_decode
from runtime.vocabulary import pad_sequences, source_lengths


def keras_backend(encoder, decoder_step):
    """The Keras inference models as a runtime.greedy.Backend (decoder outputs in the
    manifest's order: probabilities, state_h, state_c, next_token[, attention_weights])."""
    attention = len(encoder.outputs) == 3  # state_h, state_c, encoder_outputs

    def encode(tokens):
        state = tuple(np.asarray(x) for x in encoder(tokens, training=False))
        return state + (source_lengths(tokens),) if attention else state

    def outputs(token, state):
        results = [np.asarray(x) for x in decoder_step([token[:, None], *state], training=False)]
        next_token = results[0].argmax(axis=-1).astype(np.int32)
        return (*results[:3], next_token, *results[3:])

    def step(token, state, weights=False):
        _, state_h, state_c, next_token, *step_weights = outputs(token, state)
        return next_token, (state_h, state_c, *state[2:]), step_weights[0] if weights else None

    return Backend(encode, step, outputs)


def translate(encoder, decoder_step, texts, vocabularies, tokenizers, max_length):
    """Texts -> decoded texts. vocabularies, tokenizers: the run's (source, target) pairs
    (RunDir.load_vocabularies(), RunDir.load_tokenizers(config))."""
    (source_vocab, target_vocab), (source_tokenizer, target_tokenizer) = vocabularies, tokenizers
    sources = [source_vocab.encode(source_tokenizer.tokenize(t)) for t in texts]
    backend = keras_backend(encoder, decoder_step)
    outputs = greedy_decode(backend, pad_sequences(sources), max_length)
    return [target_tokenizer.detokenize(target_vocab.decode(ids)) for ids in outputs]
