"""Seq2seq runtime: what a service embeds. Imports only numpy, onnxruntime and the standard
library. It holds the tokenizers and the vocabulary format shared with training and export;
the ONNX decoding loop is not written yet."""

from runtime.errors import TokenizationError, VocabularyError
from runtime.tokenize import LEVELS, detokenize, tokenize
from runtime.vocabulary import END_ID, PAD_ID, RESERVED, START_ID, UNK_ID, Vocabulary

__all__ = [
    "END_ID", "LEVELS", "PAD_ID", "RESERVED", "START_ID", "UNK_ID",
    "TokenizationError", "Vocabulary", "VocabularyError", "detokenize", "tokenize",
]
