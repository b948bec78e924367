"""Greedy decoding with the Keras inference models, called directly (not through
`predict`, which is far slower per call). Used for sample outputs, and the reference the
ONNX export is checked against."""

import numpy as np

from runtime.tokenize import detokenize, tokenize
from runtime.vocabulary import END_ID, START_ID
from train.batching import pad_sequences


def greedy_decode(encoder, decoder_step, encoder_tokens, max_length):
    """encoder_tokens (batch, source_len) int32, PAD_ID-padded -> one id list per row,
    without <start>/<end>, at most max_length ids."""
    state_h, state_c = (np.asarray(x) for x in encoder(encoder_tokens, training=False))
    batch = len(encoder_tokens)
    token = np.full((batch, 1), START_ID, dtype=np.int32)
    outputs = [[] for _ in range(batch)]
    finished = np.zeros(batch, dtype=bool)
    for _ in range(max_length):
        probabilities, state_h, state_c = (
            np.asarray(x) for x in decoder_step([token, state_h, state_c], training=False))
        next_ids = probabilities.argmax(axis=-1)  # (batch,)
        for row in np.flatnonzero(~finished):
            if next_ids[row] == END_ID:
                finished[row] = True
            else:
                outputs[row].append(int(next_ids[row]))
        if finished.all():
            break
        token = next_ids.astype(np.int32)[:, None]
    return outputs


def translate(encoder, decoder_step, texts, config, source_vocab, target_vocab, max_length):
    """Texts -> decoded texts, tokenized and detokenized as the run's config says."""
    sources = [source_vocab.encode(tokenize(t, config.level, config.lowercase)) for t in texts]
    outputs = greedy_decode(encoder, decoder_step, pad_sequences(sources), max_length)
    return [detokenize(target_vocab.decode(ids), config.level) for ids in outputs]
