"""Greedy decoding with the Keras inference models, called directly (not through
`predict`, which is far slower per call). Used for sample outputs, and the reference the
ONNX export is checked against."""

import numpy as np

from runtime.greedy import greedy_decode
from runtime.tokenize import detokenize, tokenize
from train.batching import pad_sequences


def keras_functions(encoder, decoder_step):
    """The (encode, step) pair runtime.greedy.greedy_decode takes, for the Keras models."""
    def encode(tokens):
        return tuple(np.asarray(x) for x in encoder(tokens, training=False))

    def step(token, state_h, state_c):
        outputs = decoder_step([token[:, None], state_h, state_c], training=False)
        return tuple(np.asarray(x) for x in outputs)

    return encode, step


def keras_greedy_decode(encoder, decoder_step, encoder_tokens, max_length):
    """encoder_tokens (batch, source_len) int32, PAD_ID-padded -> one id list per row."""
    return greedy_decode(*keras_functions(encoder, decoder_step), encoder_tokens, max_length)


def translate(encoder, decoder_step, texts, config, source_vocab, target_vocab, max_length):
    """Texts -> decoded texts, tokenized and detokenized as the run's config says."""
    sources = [source_vocab.encode(tokenize(t, config.level, config.lowercase)) for t in texts]
    outputs = keras_greedy_decode(encoder, decoder_step, pad_sequences(sources), max_length)
    return [detokenize(target_vocab.decode(ids), config.level) for ids in outputs]
