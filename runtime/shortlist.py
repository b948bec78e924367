"""Vocabulary shortlists: the output layer computed over each batch's likely target tokens
instead of the whole vocabulary (CTranslate2's vmap, Marian's lexical shortlists).

shortlist.json, written by `python -m export --shortlist` and hashed in the manifest:
    {"format": 1,
     "frequent": [target ids],                    # the most frequent target tokens
     "candidates": [[target ids], ...]}           # position = source id: that token's
                                                  # likeliest target tokens
shortlist_output.npz holds the output layer and its bias. float32 exports: kernel_rows
(target vocab, units), the Keras kernel transposed, so that a batch's rows are one fast
take (~40 us for 1,800 candidates) and the graph's Gemm reads them transposed. int8
exports: kernel_columns (units, target vocab), quantized as the int8 graphs hold it
(symmetric), with a scale per target token: onnxruntime's int8 product wants its weights
(units, candidates), and taking columns (~150 us per batch) costs less than the slower int8
product over rows would at every step (46 against 23 us at batch 1, measured).

A row may emit the reserved tokens, the frequent ones and the candidates of each of its
source tokens. A batch's candidate_ids are the sorted union over its rows; candidate_mask
(rows, candidates) holds 0 where the row may emit the candidate and -inf where it may not,
so which tokens a row may emit depends on its own input only, whatever else shares its
batch. The batch's part of the output layer is taken once per batch, not at every step.
"""

import io
import json
import zipfile

import numpy as np

from runtime import manifest as names
from runtime.errors import ExportLoadError
from runtime.vocabulary import PAD_ID, RESERVED

FORMAT = 1


class Candidates:
    """A batch's candidate ids and their columns of the output layer, as the shortlist
    graphs' inputs. Every row shares them, so selecting rows (finished rows leaving the
    batch, beams reordering) returns them unchanged; they travel in the decoder state."""

    def __init__(self, feeds):
        self.feeds = feeds  # {graph input name: array}
        self.count = len(feeds[names.CANDIDATE_IDS])

    def __getitem__(self, rows):
        return self

    def repeat(self, count, axis=0):
        return self


class Shortlist:
    def __init__(self, frequent, candidates, target_vocab_size, output=None):
        """frequent: target ids; candidates: one list of target ids per source id; output:
        {graph input name: (array, its target vocabulary axis)}, the output layer's arrays
        whose part for the candidates each batch feeds (see the module docstring)."""
        self.base = np.union1d(np.arange(len(RESERVED)), np.asarray(frequent, np.int64))
        width = max([1, *(len(c) for c in candidates)])
        # (source vocab, width) candidate ids, -1 past each token's list; <pad> has none
        self.table = np.full((len(candidates), width), -1, np.int32)
        for source_id, ids in enumerate(candidates):
            if source_id != PAD_ID:
                self.table[source_id, :len(ids)] = ids
        self.output = output or {}
        self.in_base = np.zeros(target_vocab_size, bool)  # (target vocab,): always allowed
        self.in_base[self.base] = True

    @classmethod
    def from_files(cls, lists, output, folder, source_vocab_size, model, precision):
        """Parse and check shortlist.json's and shortlist_output.npz's bytes; an
        ExportLoadError naming the file if wrong. model: the manifest's model sizes;
        precision: the manifest's ("int8": the output layer is quantized)."""
        path = f"{folder}/{names.SHORTLIST_FILE}"
        try:
            values = json.loads(lists)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ExportLoadError(f"{path}: not valid JSON ({error})") from None
        problem = _problem(values, source_vocab_size, model["target_vocab_size"])
        if problem:
            raise ExportLoadError(f"{path}: {problem}")
        return cls(values["frequent"], values["candidates"], model["target_vocab_size"],
                   _output_layer(output, f"{folder}/{names.SHORTLIST_OUTPUT_FILE}", model,
                                 precision == "int8"))

    def batch(self, tokens):
        """tokens (rows, source_length) padded source ids -> (candidate_mask (rows,
        candidates) float32: 0 allowed, -inf not, Candidates)."""
        per_row = self.table[tokens].reshape(len(tokens), -1)  # (rows, length * width)
        rows, columns = np.nonzero(per_row >= 0)
        listed = per_row[rows, columns]
        member = self.in_base.copy()  # (target vocab,) bool: a candidate of some row
        member[listed] = True
        ids = np.flatnonzero(member)  # sorted
        position = np.empty(len(member), np.int64)
        position[ids] = np.arange(len(ids))
        mask = np.full((len(tokens), len(ids)), -np.inf, np.float32)
        mask[:, position[self.base]] = 0.0
        mask[rows, position[listed]] = 0.0
        feeds = {names.CANDIDATE_IDS: ids.astype(np.int32)}
        for name, (array, axis) in self.output.items():  # the target vocabulary's axis
            feeds[name] = np.take(array, ids, axis=axis)
        return mask, Candidates(feeds)


# shortlist_output.npz's arrays -> (the graph input they feed, their target vocabulary axis)
_OUTPUT_ARRAYS = {"kernel_rows": (names.CANDIDATE_KERNEL, 0),
                  "kernel_columns": (names.CANDIDATE_KERNEL, 1),
                  "bias": (names.CANDIDATE_BIAS, 0), "scale": (names.CANDIDATE_SCALE, 0)}


def _output_layer(content, path, model, quantized):
    """shortlist_output.npz -> {graph input name: (array, its target vocabulary axis)}."""
    units = model.get("output_size", model["state_size"])  # the output layer's input width
    vocab = model["target_vocab_size"]
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as arrays:
            found = {name: arrays[name] for name in arrays.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ExportLoadError(f"{path}: not a readable .npz file ({error})") from None
    expected = ({"kernel_columns": ((units, vocab), np.int8), "scale": ((vocab,), np.float32)}
                if quantized else {"kernel_rows": ((vocab, units), np.float32)})
    expected["bias"] = ((vocab,), np.float32)
    for name, (shape, dtype) in expected.items():
        array = found.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            actual = None if array is None else f"{array.dtype} {array.shape}"
            raise ExportLoadError(f"{path}: {name} must be {np.dtype(dtype)} {shape}, got "
                                  f"{actual}")
    if set(found) != set(expected):
        raise ExportLoadError(f"{path}: holds {sorted(found)}, expected {sorted(expected)} "
                              f"for a {'quantized' if quantized else 'float32'} export")
    return {_OUTPUT_ARRAYS[name][0]: (found[name], _OUTPUT_ARRAYS[name][1]) for name in expected}


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
