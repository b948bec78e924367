"""Vocabulary shortlists: the output layer computed over a few hundred likely target tokens
instead of the whole vocabulary (CTranslate2's vmap, Marian's lexical shortlists).

shortlist.json, written by `python -m export --shortlist` and hashed in the manifest:
    {"format": 1,
     "frequent": [target ids],                    # the most frequent target tokens
     "candidates": [[target ids], ...]}           # position = source id: that token's
                                                  # likeliest target tokens
A row may emit the reserved tokens, the frequent ones and the candidates of each of its
source tokens. A batch's candidate_ids are the sorted union over its rows; candidate_mask
(rows, candidates) holds 0 where the row may emit the candidate and -inf where it may not,
so a row's output depends on its own input only, whatever else shares its batch.
"""

import json

import numpy as np

from runtime.errors import ExportLoadError
from runtime.vocabulary import PAD_ID, RESERVED

FORMAT = 1


class Shortlist:
    def __init__(self, frequent, candidates):
        """frequent: target ids; candidates: one list of target ids per source id."""
        self.base = np.union1d(np.arange(len(RESERVED)), np.asarray(frequent, np.int64))
        width = max([1, *(len(c) for c in candidates)])
        # (source vocab, width) candidate ids, -1 past each token's list; <pad> has none
        self.table = np.full((len(candidates), width), -1, np.int64)
        for source_id, ids in enumerate(candidates):
            if source_id != PAD_ID:
                self.table[source_id, :len(ids)] = ids

    @classmethod
    def from_json(cls, content, path, source_vocab_size, target_vocab_size):
        """Parse and check shortlist.json's bytes; an ExportLoadError naming `path` if wrong."""
        try:
            values = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ExportLoadError(f"{path}: not valid JSON ({error})") from None
        problem = _problem(values, source_vocab_size, target_vocab_size)
        if problem:
            raise ExportLoadError(f"{path}: {problem}")
        return cls(values["frequent"], values["candidates"])

    def batch(self, tokens):
        """tokens (rows, source_length) padded source ids -> (candidate_ids (candidates,)
        int32 sorted, candidate_mask (rows, candidates) float32: 0 allowed, -inf not)."""
        per_row = self.table[tokens].reshape(len(tokens), -1)  # (rows, length * width)
        ids = np.union1d(self.base, per_row[per_row >= 0])
        mask = np.full((len(tokens), len(ids)), -np.inf, np.float32)
        mask[:, np.searchsorted(ids, self.base)] = 0.0
        rows, columns = np.nonzero(per_row >= 0)
        mask[rows, np.searchsorted(ids, per_row[rows, columns])] = 0.0
        return ids.astype(np.int32), mask


def _problem(values, source_vocab_size, target_vocab_size):
    """What is wrong with shortlist.json's values, or None."""
    if not isinstance(values, dict) or set(values) != {"format", "frequent", "candidates"}:
        return "expected an object with exactly format, frequent and candidates"
    if values["format"] != FORMAT:
        return f"shortlist format {values['format']!r} is not supported (expected {FORMAT})"
    candidates = values["candidates"]
    if not isinstance(candidates, list) or len(candidates) != source_vocab_size:
        count = len(candidates) if isinstance(candidates, list) else type(candidates).__name__
        return (f"candidates must list one entry per source token ({source_vocab_size}), "
                f"got {count}")
    for where, ids in [("frequent", values["frequent"]),
                       *((f"candidates[{i}]", c) for i, c in enumerate(candidates))]:
        if not isinstance(ids, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < target_vocab_size
                for i in ids):
            return f"{where} must be a list of target ids from 0 to {target_vocab_size - 1}"
    return None
