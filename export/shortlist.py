"""Building shortlist.json (runtime.shortlist) from the run's training pairs.

Each source token's candidates are the target tokens that most often share a training pair
with it: in the reference translation, or in the model's own greedy output for that input
(so the tokens the model actually writes are covered). That count is p(target | source)
up to a constant, the statistic Marian's lexical shortlists use. The `frequent` most
common target tokens are allowed for every row and are not repeated in the lists.
"""

import numpy as np

from runtime.shortlist import FORMAT
from runtime.vocabulary import RESERVED

DEFAULT_FREQUENT = 1000
DEFAULT_PER_SOURCE_TOKEN = 500


def build_shortlist(sources, targets, source_vocab_size, target_vocab_size,
                    frequent=DEFAULT_FREQUENT, per_source_token=DEFAULT_PER_SOURCE_TOKEN):
    """sources: source id sequences; targets: for each source, the target id sequences that
    go with it (reference, model output, ...). -> shortlist.json's values."""
    reserved = len(RESERVED)
    keys, counts = _pair_counts(sources, targets, target_vocab_size)
    target_counts = np.zeros(target_vocab_size, np.int64)
    for sequences in targets:
        for sequence in sequences:
            np.add.at(target_counts, np.asarray(sequence, np.int64), 1)
    target_counts[:reserved] = -1  # always allowed anyway
    by_frequency = np.lexsort((np.arange(target_vocab_size), -target_counts))
    common = [int(i) for i in by_frequency[:frequent] if target_counts[i] > 0]
    excluded = np.zeros(target_vocab_size, bool)
    excluded[:reserved] = True
    excluded[common] = True
    source_ids, target_ids = keys // target_vocab_size, keys % target_vocab_size
    keep = ~excluded[target_ids]
    source_ids, target_ids, counts = source_ids[keep], target_ids[keep], counts[keep]
    # most co-occurrences first, then the lower id; grouped by source id
    order = np.lexsort((target_ids, -counts, source_ids))
    candidates = [[] for _ in range(source_vocab_size)]
    for source_id, target_id in zip(source_ids[order].tolist(), target_ids[order].tolist()):
        if len(candidates[source_id]) < per_source_token:
            candidates[source_id].append(target_id)
    return {"format": FORMAT, "frequent": common, "candidates": candidates}


def _pair_counts(sources, targets, target_vocab_size):
    """(unique keys source_id * target_vocab_size + target_id, number of training pairs in
    which each (source token, target token) occurs together)."""
    keys = []
    for source, sequences in zip(sources, targets):
        source_set = np.unique(np.asarray(source, np.int64))
        target_set = np.unique(np.concatenate([np.asarray(s, np.int64) for s in sequences]))
        keys.append((source_set[:, None] * target_vocab_size + target_set[None, :]).ravel())
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.unique(np.concatenate(keys), return_counts=True)
