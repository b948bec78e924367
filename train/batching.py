"""Length-bucketed batches (NLP in Action 10.5.1), in numpy, deterministic per (seed, epoch).

Each epoch: shuffle all pairs, cut them into chunks of CHUNK_BATCHES batches, sort each
chunk by length and slice it into batches, then shuffle the batches. A batch is padded only
to its own longest sequence. The order depends only on (seed, epoch), so a resumed run sees
exactly the batches the uninterrupted run would have.
"""

import numpy as np

from runtime.vocabulary import pad_sequences

CHUNK_BATCHES = 50  # larger: tighter buckets; smaller: more randomness across lengths


def epoch_batches(split, batch_size, seed, epoch):
    """Index arrays, one per batch, for training epoch `epoch` (0-based)."""
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(split))
    chunk = batch_size * CHUNK_BATCHES
    batches = []
    for start in range(0, len(order), chunk):
        batches += _sorted_batches(split, order[start:start + chunk], batch_size)
    return [batches[i] for i in rng.permutation(len(batches))]


def validation_batches(split, batch_size):
    """Fixed batches of similar lengths, the same every epoch."""
    return _sorted_batches(split, np.arange(len(split)), batch_size)


def steps_per_epoch(count, batch_size):
    """How many batches `epoch_batches` makes from `count` pairs (the same every epoch)."""
    chunk = batch_size * CHUNK_BATCHES
    full, rest = divmod(count, chunk)
    return full * CHUNK_BATCHES + -(-rest // batch_size)


def _sorted_batches(split, indices, batch_size):
    order = np.lexsort((split.source_lengths[indices], split.target_lengths[indices]))
    indices = indices[order]
    return [indices[i:i + batch_size] for i in range(0, len(indices), batch_size)]


def pad_batch(split, indices):
    """-> encoder_tokens (batch, longest source), decoder_tokens and labels (batch, longest
    target + 1), all int32, padded with PAD_ID. Teacher forcing: labels are the decoder
    tokens shifted left by one (<start> a b -> a b <end>)."""
    sources = [split.sources[i] for i in indices]
    targets = [split.targets[i] for i in indices]
    encoder_tokens = pad_sequences(sources)
    decoder_tokens = pad_sequences([t[:-1] for t in targets])
    labels = pad_sequences([t[1:] for t in targets])
    return encoder_tokens, decoder_tokens, labels
