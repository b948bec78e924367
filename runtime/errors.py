"""The runtime's named exceptions. Each message says what was expected and what was found."""


class VocabularyError(ValueError):
    """A vocabulary file or list is malformed (not a JSON list of unique strings, wrong
    reserved tokens, ...)."""


class TokenizationError(ValueError):
    """Text cannot be tokenized as asked (unknown level, non-string input, ...)."""


class ManifestError(ValueError):
    """An export's manifest.json is missing, malformed or of an unsupported format version."""
