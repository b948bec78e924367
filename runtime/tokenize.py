"""Splitting text into tokens and joining tokens back into text.

Two levels:
- "char": every Unicode code point is a token (the keras-io example).
- "word": words and punctuation, split with `[\\w']+|[^\\s\\w]` (the Codecademy lesson), so
  "I'm here!" -> ["I'm", "here", "!"].
"""

import re

from runtime.errors import TokenizationError

LEVELS = ("char", "word")

_WORD_PATTERN = re.compile(r"[\w']+|[^\s\w]")
# Joining words: no space before closing punctuation, none after opening brackets, none
# around hyphens ("allez-vous").
_NO_SPACE_BEFORE = frozenset(".,!?;:%)]}…»-")
_NO_SPACE_AFTER = frozenset("([{«-")


def check_level(level):
    if level not in LEVELS:
        raise TokenizationError(f"tokenization level must be one of {LEVELS}, got {level!r}")


def tokenize(text, level, lowercase=False):
    """Text -> list of token strings."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    check_level(level)
    if lowercase:
        text = text.lower()
    if level == "char":
        return list(text)
    return _WORD_PATTERN.findall(text)


def detokenize(tokens, level):
    """List of token strings -> text (the inverse of `tokenize`, up to word spacing)."""
    check_level(level)
    if level == "char":
        return "".join(tokens)
    pieces, previous = [], None
    for token in tokens:
        glue = previous is None or token in _NO_SPACE_BEFORE or previous in _NO_SPACE_AFTER
        pieces.append(token if glue else " " + token)
        previous = token
    return "".join(pieces)
