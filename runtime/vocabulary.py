"""Token <-> id mapping, saved as a JSON list where a token's position is its id.

The first four entries are always the reserved tokens, in this order:
    0 <pad>    padding (never predicted; masked out of the loss)
    1 <start>  first decoder input
    2 <end>    the decoder emits it to stop
    3 <unk>    any token not in the vocabulary
"""

import collections
import json

from runtime.atomic import write_text_atomic
from runtime.errors import VocabularyError

PAD, START, END, UNK = "<pad>", "<start>", "<end>", "<unk>"
RESERVED = (PAD, START, END, UNK)
PAD_ID, START_ID, END_ID, UNK_ID = range(4)


class Vocabulary:
    """An immutable list of unique tokens; `ids[token]` is the token's position."""

    def __init__(self, tokens):
        tokens = list(tokens)
        _check_tokens(tokens)
        self.tokens = tuple(tokens)
        self.ids = {token: index for index, token in enumerate(tokens)}

    def __len__(self):
        return len(self.tokens)

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __repr__(self):
        return f"Vocabulary({len(self)} tokens)"

    @classmethod
    def build(cls, token_sequences, min_frequency=1, max_size=None):
        """Count tokens; keep those seen >= min_frequency times, most frequent first (ties in
        code point order, so the result depends only on the data), at most max_size in all
        (reserved tokens included)."""
        counts = collections.Counter(t for sequence in token_sequences for t in sequence)
        return cls.from_counts(counts, min_frequency, max_size)

    @classmethod
    def from_counts(cls, counts, min_frequency=1, max_size=None):
        """As `build`, from a token -> count mapping (a corpus counted as it streams)."""
        if min_frequency < 1:
            raise VocabularyError(f"min_frequency must be >= 1, got {min_frequency}")
        if max_size is not None and max_size <= len(RESERVED):
            raise VocabularyError(
                f"max_size must exceed the {len(RESERVED)} reserved tokens, got {max_size}")
        counts = collections.Counter(counts)
        for token in RESERVED:
            counts.pop(token, None)  # a literal "<end>" in the data must not alias the reserved id
        kept = sorted((t for t, n in counts.items() if n >= min_frequency),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max_size - len(RESERVED)]
        return cls(RESERVED + tuple(kept))

    def encode(self, tokens):
        """Token strings -> ids; unknown tokens become UNK_ID."""
        return [self.ids.get(token, UNK_ID) for token in tokens]

    def decode(self, ids):
        """Ids -> token strings, stopping at the first END and leaving out PAD/START."""
        out = []
        for index in ids:
            index = int(index)
            if not 0 <= index < len(self.tokens):
                raise VocabularyError(f"token id {index} is outside 0..{len(self.tokens) - 1}")
            if index == END_ID:
                break
            if index not in (PAD_ID, START_ID):
                out.append(self.tokens[index])
        return out

    def save(self, path):
        """Write atomically: a reader sees the old file or the new one, never half."""
        write_text_atomic(path, json.dumps(list(self.tokens), ensure_ascii=False, indent=0))

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            return cls.from_json(f.read(), path)

    @classmethod
    def from_json(cls, content, source):
        """A vocabulary from JSON bytes or text; errors name `source`."""
        try:
            tokens = json.loads(content)
        except json.JSONDecodeError as error:
            raise VocabularyError(f"{source}: not valid JSON ({error})") from None
        except UnicodeDecodeError as error:
            raise VocabularyError(f"{source}: not UTF-8 text ({error.reason})") from None
        if not isinstance(tokens, list):
            raise VocabularyError(f"{source}: expected a JSON list of strings, "
                                  f"got a JSON {type(tokens).__name__}")
        try:
            return cls(tokens)
        except VocabularyError as error:
            raise VocabularyError(f"{source}: {error}") from None


def pad_sequences(sequences):
    """Id sequences -> (count, longest) int32, padded with PAD_ID after the ids (width >= 1)."""
    import numpy as np  # here, not at the top: the vocabulary itself needs only the stdlib

    width = max([1, *(len(s) for s in sequences)])
    out = np.full((len(sequences), width), PAD_ID, dtype=np.int32)
    for row, sequence in enumerate(sequences):
        out[row, :len(sequence)] = sequence
    return out


def fixed_length(tokens, length, pad_id):
    """(batch, width) ids padded with PAD_ID -> (batch, max(width, length)) with every PAD_ID
    position holding pad_id: the rows a fixed-length model read in training (imported seed
    models, whose manifest gives the length and the padding token)."""
    import numpy as np

    tokens = np.asarray(tokens)
    if tokens.shape[1] < length:
        tokens = np.pad(tokens, ((0, 0), (0, length - tokens.shape[1])), constant_values=PAD_ID)
    return np.where(tokens == PAD_ID, np.int32(pad_id), tokens).astype(np.int32)


def source_lengths(tokens):
    """(batch, source_len) padded ids -> (batch,) int32: the real tokens of each row."""
    return (tokens != PAD_ID).sum(axis=1).astype("int32")


def _check_tokens(tokens):
    if not all(isinstance(t, str) for t in tokens):
        raise VocabularyError("a vocabulary must be a list of strings")
    if tuple(tokens[: len(RESERVED)]) != RESERVED:
        raise VocabularyError(
            f"a vocabulary must start with {list(RESERVED)}, got {tokens[: len(RESERVED)]}")
    seen = set()
    for index, token in enumerate(tokens):
        if token in seen:
            raise VocabularyError(f"token {token!r} appears twice (again at id {index})")
        seen.add(token)

