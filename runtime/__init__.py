"""Seq2seq runtime: what a service embeds. Imports only numpy, onnxruntime and the standard
library. It holds what training and export share with it: the tokenizers, the vocabulary
format and the export manifest. The ONNX decoding loop is not written yet."""

from runtime.errors import ManifestError, TokenizationError, VocabularyError
from runtime.manifest import Manifest
from runtime.tokenize import LEVELS, detokenize, tokenize
from runtime.vocabulary import END_ID, PAD_ID, RESERVED, START_ID, UNK_ID, Vocabulary

__all__ = [
    "END_ID", "LEVELS", "PAD_ID", "RESERVED", "START_ID", "UNK_ID",
    "Manifest", "ManifestError", "TokenizationError", "Vocabulary", "VocabularyError",
    "detokenize", "tokenize",
]
