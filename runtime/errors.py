"""The runtime's named exceptions. Each message says what was expected and what was found."""


class VocabularyError(ValueError):
    """A vocabulary file or list is malformed (not a JSON list of unique strings, wrong
    reserved tokens, ...)."""


class TokenizationError(ValueError):
    """Text cannot be tokenized as asked (unknown level, non-string input, ...)."""


class ExportLoadError(ValueError):
    """An export directory cannot be used: a missing or damaged file, a SHA-256 that differs
    from the manifest, vocabularies and graphs that disagree, external data. The message
    names the file and what differs."""


class ManifestError(ExportLoadError):
    """An export's manifest.json is malformed or of an unsupported format version."""


class InputError(ValueError):
    """Text the Translator was told to refuse: unknown tokens with unknown="error", or
    input longer than the maximum with too_long="error"."""


class ProviderError(RuntimeError):
    """A requested onnxruntime execution provider is unavailable and strict_providers is set."""
