"""Greedy decoding with the Keras inference models, called directly (not through
`predict`, which is far slower per call). Used for sample outputs, and the reference the
ONNX export is checked against."""

import numpy as np

from runtime.greedy import Backend, greedy_decode
from runtime.tokenize import detokenize, tokenize
from runtime.vocabulary import pad_sequences


def keras_backend(encoder, decoder_step):
    """The Keras inference models as a runtime.greedy.Backend."""
    def encode(tokens):
        return tuple(np.asarray(x) for x in encoder(tokens, training=False))

    def outputs(token, state_h, state_c):
        results = decoder_step([token[:, None], state_h, state_c], training=False)
        probabilities, state_h, state_c = (np.asarray(x) for x in results)
        return probabilities, state_h, state_c, probabilities.argmax(axis=-1).astype(np.int32)

    def step(token, state_h, state_c):
        _, state_h, state_c, next_token = outputs(token, state_h, state_c)
        return next_token, state_h, state_c

    return Backend(encode, step, outputs)


def translate(encoder, decoder_step, texts, config, source_vocab, target_vocab, max_length):
    """Texts -> decoded texts, tokenized and detokenized as the run's config says."""
    sources = [source_vocab.encode(tokenize(t, config.level, config.lowercase)) for t in texts]
    backend = keras_backend(encoder, decoder_step)
    outputs = greedy_decode(backend.encode, backend.step, pad_sequences(sources), max_length)
    return [detokenize(target_vocab.decode(ids), config.level) for ids in outputs]
