"""A split's token ids on disk, read back pair by pair: what `--stream` trains from.

One flat int32 file per split holds each pair's source ids then target ids (<start> ...
<end>); in memory stay only two uint16 length arrays (4 bytes a pair) and, for the offsets,
8 bytes a pair: 24 MB at 2 million pairs, where the in-memory path holds gigabytes of
Python objects. Pairs are read with os.pread, not a memory map, so pages read for a batch
are the page cache's, not the process's resident memory. The validation split also keeps
its texts (input, target) for sample outputs, the export's proofs and `python -m s2s_evaluate`.
"""

import array
import os
import tempfile

import numpy as np

from train.errors import DataError

_MAX_LENGTH = np.iinfo(np.uint16).max
_INT32 = np.dtype(np.int32).itemsize


class CacheWriter:
    """Append pairs of one split to `folder/name.ids` (and `name.texts` if keep_texts)."""

    def __init__(self, folder, name, keep_texts=False):
        self.ids_path = os.path.join(folder, f"{name}.ids")
        self.texts_path = os.path.join(folder, f"{name}.texts") if keep_texts else None
        self._ids = open(self.ids_path, "wb")
        self._texts = open(self.texts_path, "wb") if keep_texts else None
        self._text_offsets = array.array("q", [0]) if keep_texts else None
        self.source_lengths, self.target_lengths = array.array("H"), array.array("H")

    def add(self, source_ids, target_ids, texts):
        """source_ids (source_length,), target_ids (target_length + 2,) with <start>/<end>."""
        if len(source_ids) > _MAX_LENGTH or len(target_ids) > _MAX_LENGTH:
            raise DataError(f"a pair of {len(source_ids)} -> {len(target_ids)} tokens is too "
                            f"long to stream (at most {_MAX_LENGTH}); set --max-input-length "
                            f"and --max-target-length")
        self._ids.write(np.asarray(source_ids, np.int32).tobytes())
        self._ids.write(np.asarray(target_ids, np.int32).tobytes())
        self.source_lengths.append(len(source_ids))
        self.target_lengths.append(len(target_ids))
        if self._texts:
            line = "\t".join(texts).encode("utf-8")
            self._texts.write(line)
            self._text_offsets.append(self._text_offsets[-1] + len(line))

    def close(self):
        """-> the CachedSplit of what was written."""
        self._ids.close()
        if self._texts:
            self._texts.close()
        return CachedSplit(self.ids_path, np.frombuffer(self.source_lengths, np.uint16),
                           np.frombuffer(self.target_lengths, np.uint16), self.texts_path,
                           np.frombuffer(self._text_offsets, np.int64) if self._texts else None)


class CachedSplit:
    """A train.dataset.Split whose pairs live on disk: the same sources, targets, texts and
    lengths, read on demand."""

    def __init__(self, ids_path, source_lengths, target_lengths, texts_path=None,
                 text_offsets=None):
        self.source_lengths, self.target_lengths = source_lengths, target_lengths
        pair_lengths = source_lengths.astype(np.int64) + target_lengths
        self._starts = np.concatenate([[0], np.cumsum(pair_lengths)[:-1]]) * _INT32
        self._descriptor = os.open(ids_path, os.O_RDONLY)
        self.sources = _Rows(self._read_source)
        self.targets = _Rows(self._read_target)
        self.texts = _Rows(self._read_text) if texts_path else _NoTexts()
        self._texts_descriptor = os.open(texts_path, os.O_RDONLY) if texts_path else None
        self._text_offsets = text_offsets
        for rows in (self.sources, self.targets, self.texts):
            rows.length = len(source_lengths)

    def __len__(self):
        return len(self.source_lengths)

    def _read(self, start, count):
        return np.frombuffer(os.pread(self._descriptor, count * _INT32, int(start)), np.int32)

    def _read_source(self, i):
        return self._read(self._starts[i], int(self.source_lengths[i]))

    def _read_target(self, i):
        return self._read(self._starts[i] + int(self.source_lengths[i]) * _INT32,
                          int(self.target_lengths[i]))

    def _read_text(self, i):
        start, end = self._text_offsets[i], self._text_offsets[i + 1]
        line = os.pread(self._texts_descriptor, int(end - start), int(start)).decode("utf-8")
        return tuple(line.split("\t", 1))

    def __del__(self):
        for descriptor in (getattr(self, "_descriptor", None),
                           getattr(self, "_texts_descriptor", None)):
            if descriptor is not None:
                os.close(descriptor)


class _Rows:
    """A read-only sequence over rows read on demand: rows[i], rows[a:b], len, iteration."""

    length = 0

    def __init__(self, read):
        self._read = read

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._read(i) for i in range(*index.indices(self.length))]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        return self._read(index)

    def __iter__(self):
        return (self._read(i) for i in range(self.length))


class _NoTexts(_Rows):
    def __init__(self):
        super().__init__(self._refuse)

    @staticmethod
    def _refuse(index):
        raise DataError("the streamed training split keeps no texts (only validation does)")


_FOLDERS = []  # every cache folder this process made, for remove_caches


def cache_folder():
    """A temporary folder for one process's cache, removed when the returned object is
    garbage collected or the process exits normally (tempfile.TemporaryDirectory), or by
    remove_caches."""
    folder = tempfile.TemporaryDirectory(prefix="s2s-stream-")
    _FOLDERS.append(folder)
    return folder


def remove_caches():
    """Remove every cache folder now: before os._exit, which skips the finalizers."""
    while _FOLDERS:
        _FOLDERS.pop().cleanup()
