"""Seq2seq runtime: what a service embeds. Imports only numpy, onnxruntime and the standard
library. `Translator.load(export_dir)` checks an export and translates in batches, greedy by
default, or with beam search or sampling (`Decoding`); the tokenizers, vocabulary format
and manifest are shared with train and export."""

from runtime.decoding import Decoding
from runtime.errors import (ExportLoadError, InputError, ManifestError, ProviderError,
                            TokenizationError, VocabularyError)
from runtime.manifest import Manifest
from runtime.translator import Candidate, Translation, Translator
from runtime.tokenize import LEVELS, detokenize, tokenize
from runtime.vocabulary import END_ID, PAD_ID, RESERVED, START_ID, UNK_ID, Vocabulary

__all__ = [
    "END_ID", "LEVELS", "PAD_ID", "RESERVED", "START_ID", "UNK_ID",
    "Candidate", "Decoding", "ExportLoadError", "InputError", "Manifest", "ManifestError", "ProviderError",
    "TokenizationError", "Translation", "Translator", "Vocabulary", "VocabularyError",
    "detokenize", "tokenize",
]
