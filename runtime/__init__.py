"""Seq2seq runtime: what a service embeds. Imports only numpy, onnxruntime and the standard
library (this issue provides its tokenization and vocabulary; the ONNX decoding loop comes
with the runtime issue)."""

from runtime.errors import TokenizationError, VocabularyError
from runtime.tokenize import LEVELS, detokenize, tokenize
from runtime.vocabulary import END_ID, PAD_ID, RESERVED, START_ID, UNK_ID, Vocabulary

__all__ = [
    "END_ID", "LEVELS", "PAD_ID", "RESERVED", "START_ID", "UNK_ID",
    "TokenizationError", "Vocabulary", "VocabularyError", "detokenize", "tokenize",
]
