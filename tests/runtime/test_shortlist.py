"""runtime.shortlist without TensorFlow or onnxruntime: candidates, masks, file checks."""

import json

import numpy as np
import pytest

from runtime.errors import ExportLoadError
from runtime.shortlist import Shortlist
from runtime.vocabulary import pad_sequences

# 6 source ids (0-3 reserved), 20 target ids: frequent 10, 11; source 4 -> 12, 13; 5 -> 14
CANDIDATES = [[], [], [], [15], [12, 13], [14]]
SHORTLIST = Shortlist([10, 11], CANDIDATES)


def allowed(mask, ids, row):
    return ids[mask[row] == 0].tolist()


def test_a_row_may_emit_reserved_frequent_and_its_own_tokens_candidates():
    ids, mask = SHORTLIST.batch(pad_sequences([[4], [5, 5]]))
    assert ids.tolist() == [0, 1, 2, 3, 10, 11, 12, 13, 14] and ids.dtype == np.int32
    assert mask.dtype == np.float32 and set(np.unique(mask)) == {0.0, -np.inf}
    assert allowed(mask, ids, 0) == [0, 1, 2, 3, 10, 11, 12, 13]
    assert allowed(mask, ids, 1) == [0, 1, 2, 3, 10, 11, 14]  # not source 4's, nor <pad>'s


def test_a_rows_allowed_set_does_not_depend_on_its_batch():
    alone_ids, alone_mask = SHORTLIST.batch(pad_sequences([[5, 3]]))
    ids, mask = SHORTLIST.batch(pad_sequences([[4, 4, 4], [5, 3]]))
    assert allowed(mask, ids, 1) == allowed(alone_mask, alone_ids, 0) == [0, 1, 2, 3, 10, 11, 14, 15]


def values(**changes):
    return json.dumps({"format": 1, "frequent": [10, 11], "candidates": CANDIDATES, **changes})


def test_from_json_round_trip():
    loaded = Shortlist.from_json(values().encode(), "shortlist.json", 6, 20)
    assert [a.tolist() for a in loaded.batch(pad_sequences([[4]]))[:1]] == [[0, 1, 2, 3, 10, 11, 12, 13]]


@pytest.mark.parametrize("content, message", [
    (b"{", "not valid JSON"),
    (b"\xff", "not valid JSON"),
    (json.dumps([1]).encode(), "expected an object with exactly format, frequent and candidates"),
    (values(format=2).encode(), "shortlist format 2 is not supported"),
    (values(candidates=[[]] * 5).encode(), "candidates must list one entry per source token \\(6\\), got 5"),
    (values(frequent=[20]).encode(), "frequent must be a list of target ids from 0 to 19"),
    (values(frequent=[-1]).encode(), "frequent must be a list of target ids"),
    (values(candidates=[[], [], [], [], [True], []]).encode(), "candidates\\[4\\] must be a list"),
])
def test_damaged_files_are_refused_with_the_path(content, message):
    with pytest.raises(ExportLoadError, match="^x/shortlist.json: " + message):
        Shortlist.from_json(content, "x/shortlist.json", 6, 20)
