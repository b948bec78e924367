"""Seq2seq runtime: what a service embeds. Imports only numpy, onnxruntime and the standard
library. `Translator.load(export_dir)` checks an export and translates in batches, greedy by
default, or with beam search or sampling (`Decoding`); `Scheduler(translator)` serves many
concurrent callers from one step-level batched decode loop; the tokenizers, vocabulary
format and manifest are shared with train and export."""

from runtime.decoding import Decoding
from runtime.errors import (ExportLoadError, InputError, ManifestError, ProviderError,
                            TokenizationError, VocabularyError)
from runtime.manifest import Manifest
from runtime.records import translation_record
from runtime.requests import (DeadlineExceeded, Overloaded, Request, SchedulerClosed,
                              StepFailed)
from runtime.scheduler import Scheduler
from runtime.translator import Candidate, Translation, Translator
from runtime.tokenize import LEVELS, Tokenizer, detokenize, tokenize
from runtime.vocabulary import END_ID, PAD_ID, RESERVED, START_ID, UNK_ID, Vocabulary

__all__ = [
    "END_ID", "LEVELS", "PAD_ID", "RESERVED", "START_ID", "UNK_ID",
    "Candidate", "DeadlineExceeded", "Decoding", "ExportLoadError", "InputError", "Manifest",
    "ManifestError", "Overloaded", "ProviderError", "Request", "Scheduler", "SchedulerClosed",
    "StepFailed", "TokenizationError", "Tokenizer", "Translation", "Translator", "Vocabulary",
    "VocabularyError", "detokenize", "tokenize", "translation_record",
]
