"""runtime.shortlist without TensorFlow or onnxruntime: candidates, masks, file checks."""

import io
import json

import numpy as np
import pytest

from runtime import manifest as names
from runtime.errors import ExportLoadError
from runtime.shortlist import Shortlist
from runtime.vocabulary import pad_sequences

# 6 source ids (0-3 reserved), 20 target ids: frequent 10, 11; source 4 -> 12, 13; 5 -> 14
CANDIDATES = [[], [], [], [15], [12, 13], [14]]
SHORTLIST = Shortlist([10, 11], CANDIDATES, 20)


def allowed(mask, candidates, row):
    return candidates.feeds[names.CANDIDATE_IDS][mask[row] == 0].tolist()


def test_a_row_may_emit_reserved_frequent_and_its_own_tokens_candidates():
    mask, candidates = SHORTLIST.batch(pad_sequences([[4], [5, 5]]))
    ids = candidates.feeds[names.CANDIDATE_IDS]
    assert ids.tolist() == [0, 1, 2, 3, 10, 11, 12, 13, 14] and ids.dtype == np.int32
    assert mask.dtype == np.float32 and set(np.unique(mask)) == {0.0, -np.inf}
    assert allowed(mask, candidates, 0) == [0, 1, 2, 3, 10, 11, 12, 13]
    assert allowed(mask, candidates, 1) == [0, 1, 2, 3, 10, 11, 14]  # not source 4's, nor <pad>'s


def test_a_rows_allowed_set_does_not_depend_on_its_batch():
    alone = SHORTLIST.batch(pad_sequences([[5, 3]]))
    batched = SHORTLIST.batch(pad_sequences([[4, 4, 4], [5, 3]]))
    assert allowed(*batched, 1) == allowed(*alone, 0) == [0, 1, 2, 3, 10, 11, 14, 15]


MODEL = {"state_size": 3, "target_vocab_size": 20}


def values(**changes):
    return json.dumps({"format": 1, "frequent": [10, 11], "candidates": CANDIDATES, **changes})


def output_layer(quantized=False, **arrays):
    vocab = np.arange(20, dtype=np.float32)
    layer = ({"kernel_columns": np.tile(np.arange(20, dtype=np.int8), (3, 1)), "scale": vocab / 10}
             if quantized else {"kernel_rows": np.repeat(vocab[:, None], 3, axis=1)})
    layer.update({"bias": vocab, **arrays})
    buffer = io.BytesIO()
    np.savez(buffer, **{k: v for k, v in layer.items() if v is not None})
    return buffer.getvalue()


@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_each_batch_feeds_its_candidates_part_of_the_output_layer(precision):
    loaded = Shortlist.from_files(values().encode(), output_layer(precision == "int8"), "x",
                                  6, MODEL, precision)
    mask, candidates = loaded.batch(pad_sequences([[4]]))
    ids = candidates.feeds[names.CANDIDATE_IDS]
    assert ids.tolist() == [0, 1, 2, 3, 10, 11, 12, 13] and candidates.count == 8
    kernel = candidates.feeds[names.CANDIDATE_KERNEL]
    assert (kernel[0] if precision == "int8" else kernel[:, 0]).tolist() == ids.tolist()
    assert candidates.feeds[names.CANDIDATE_BIAS].tolist() == ids.tolist()
    assert candidates[np.array([0, 0])] is candidates and candidates.repeat(3) is candidates


@pytest.mark.parametrize("lists, layer, precision, message", [
    (b"{", output_layer(), "float32", "shortlist.json: not valid JSON"),
    (b"\xff", output_layer(), "float32", "shortlist.json: not valid JSON"),
    (json.dumps([1]).encode(), output_layer(), "float32",
     "shortlist.json: expected an object with exactly format, frequent and candidates"),
    (values(format=2).encode(), output_layer(), "float32",
     "shortlist.json: shortlist format 2 is not supported"),
    (values(candidates=[[]] * 5).encode(), output_layer(), "float32",
     "shortlist.json: candidates must list one entry per source token \\(6\\), got 5"),
    (values(frequent=[20]).encode(), output_layer(), "float32",
     "shortlist.json: frequent must be a list of target ids from 0 to 19"),
    (values(frequent=[-1]).encode(), output_layer(), "float32",
     "shortlist.json: frequent must be a list"),
    (values(candidates=[[], [], [], [], [True], []]).encode(), output_layer(), "float32",
     "shortlist.json: candidates\\[4\\] must be a list"),
    (values().encode(), b"garbage", "float32", "shortlist_output.npz: not a readable .npz"),
    (values().encode(), output_layer(), "int8",
     "shortlist_output.npz: kernel_columns must be int8 \\(3, 20\\), got None"),
    (values().encode(), output_layer(bias=np.zeros(19, np.float32)), "float32",
     "shortlist_output.npz: bias must be float32 \\(20,\\), got float32 \\(19,\\)"),
    (values().encode(), output_layer(extra=np.zeros(1)), "float32",
     "shortlist_output.npz: holds \\['bias', 'extra', 'kernel_rows'\\]"),
])
def test_damaged_files_are_refused_with_the_path(lists, layer, precision, message):
    with pytest.raises(ExportLoadError, match="^x/" + message):
        Shortlist.from_files(lists, layer, "x", 6, MODEL, precision)
