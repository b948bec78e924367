"""The on-disk token cache `--stream` trains from (train.token_cache)."""

import numpy as np
import pytest

from train.errors import DataError
from train.token_cache import CacheWriter, cache_folder

PAIRS = [([5, 6, 7], [1, 8, 2], ("a b c", "x")), ([9], [1, 10, 11, 12, 2], ("d", "y z w")),
         ([], [1, 2], ("", ""))]


def written(keep_texts=True):
    folder = cache_folder()
    writer = CacheWriter(folder.name, "split", keep_texts=keep_texts)
    for source, target, texts in PAIRS:
        writer.add(source, target, texts)
    return folder, writer.close()


def test_pairs_read_back_as_written():
    folder, split = written()
    assert len(split) == 3
    for i, (source, target, texts) in enumerate(PAIRS):
        assert split.sources[i].tolist() == source and split.sources[i].dtype == np.int32
        assert split.targets[i].tolist() == target
        assert split.texts[i] == texts
    assert split.source_lengths.tolist() == [3, 1, 0]
    assert split.target_lengths.tolist() == [3, 5, 2]
    assert [t.tolist() for t in split.targets[1:]] == [[1, 10, 11, 12, 2], [1, 2]]
    assert split.texts[-1] == ("", "")
    with pytest.raises(IndexError):
        split.sources[3]
    folder.cleanup()


def test_a_split_without_texts_says_so():
    folder, split = written(keep_texts=False)
    with pytest.raises(DataError, match="keeps no texts"):
        split.texts[0]
    folder.cleanup()


def test_a_pair_too_long_to_index_is_a_clear_error():
    folder = cache_folder()
    writer = CacheWriter(folder.name, "split")
    with pytest.raises(DataError, match="--max-input-length"):
        writer.add(list(range(70000)), [1, 2], ("", ""))
    folder.cleanup()
