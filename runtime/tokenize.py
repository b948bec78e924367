"""Splitting text into tokens and joining tokens back into text.

Three levels:
- "char": every Unicode code point is a token (the keras-io example).
- "word": words and punctuation, split with `[\\w']+|[^\\s\\w]` (the Codecademy lesson), so
  "I'm here!" -> ["I'm", "here", "!"].
- "subword": SentencePiece pieces from a model trained on the run's data (runtime.subword),
  so "Where is the station?" -> ["▁Where", "▁is", "▁the", "▁station", "?"]; it needs that
  model, so it goes through a `Tokenizer`.
"""

import re

from runtime.errors import TokenizationError

LEVELS = ("char", "word", "subword")

_WORD_PATTERN = re.compile(r"[\w']+|[^\s\w]")
# Joining words: no space before closing punctuation, none after opening brackets, none
# around hyphens ("allez-vous").
_NO_SPACE_BEFORE = frozenset(".,!?;:%)]}…»-")
_NO_SPACE_AFTER = frozenset("([{«-")


def check_level(level):
    if level not in LEVELS:
        raise TokenizationError(f"tokenization level must be one of {LEVELS}, got {level!r}")


class Tokenizer:
    """One side's text <-> tokens at a level; subword needs that side's model
    (a runtime.subword.SubwordPieces)."""

    def __init__(self, level, lowercase=False, pieces=None, join=None):
        """join: None for the level's own detokenization, or "spaces" (runtime.manifest.JOINS:
        tokens joined by single spaces, as the word-level notebook prints them)."""
        check_level(level)
        if (level == "subword") != (pieces is not None):
            raise TokenizationError(f"a {level}-level Tokenizer takes "
                                    f"{'a SentencePiece model' if level == 'subword' else 'no model'}")
        self.level, self.lowercase, self.pieces, self.join = level, lowercase, pieces, join

    def tokenize(self, text):
        """Text -> list of token strings."""
        if self.pieces is None:
            return tokenize(text, self.level, self.lowercase)
        _check_text(text)
        return self.pieces.split(text.lower() if self.lowercase else text)

    def detokenize(self, tokens):
        """List of token strings -> text."""
        if self.join == "spaces":
            return " ".join(tokens)
        if self.pieces is None:
            return detokenize(tokens, self.level)
        return self.pieces.join(tokens)


def subword_tokenizer(model_bytes, lowercase, source):
    """A subword Tokenizer from a SentencePiece .model file's bytes; errors name `source`."""
    from runtime.subword import SubwordPieces, load_processor  # sentencepiece, lazily

    return Tokenizer("subword", lowercase, SubwordPieces(load_processor(model_bytes, source)))


def tokenize(text, level, lowercase=False):
    """Text -> list of token strings (char or word level; subword needs a Tokenizer)."""
    _check_text(text)
    _check_modelless(level)
    if lowercase:
        text = text.lower()
    if level == "char":
        return list(text)
    return _WORD_PATTERN.findall(text)


def detokenize(tokens, level):
    """List of token strings -> text (the inverse of `tokenize`, up to word spacing)."""
    _check_modelless(level)
    if level == "char":
        return "".join(tokens)
    pieces, previous = [], None
    for token in tokens:
        glue = previous is None or token in _NO_SPACE_BEFORE or previous in _NO_SPACE_AFTER
        pieces.append(token if glue else " " + token)
        previous = token
    return "".join(pieces)


def _check_text(text):
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")


def _check_modelless(level):
    check_level(level)
    if level == "subword":
        raise TokenizationError("subword tokens need the run's SentencePiece model: use "
                                "runtime.tokenize.Tokenizer (or an export's tokenizers)")
