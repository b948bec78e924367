"""SentencePiece models for `--level subword`, trained on the training split only.

One model per side (source, target): the sides are different languages (or, for a chatbot,
different roles), and the decoder's output layer, whose per-step cost grows with the target
vocabulary, then holds target pieces only. Reserved tokens take ids 0-3 exactly as in
runtime.vocabulary, so a model's pieces *are* the vocabulary JSON, id for id. Byte fallback
(with full character coverage) spells any character the model never saw as UTF-8 byte
pieces, so no input becomes <unk>; the identity normalization keeps the text as written
(French narrow no-break spaces included), so detokenizing gives the text back.
"""

import io
import re

from runtime.subword import pieces_of, sentencepiece_module
from runtime.vocabulary import END, END_ID, PAD, PAD_ID, START, START_ID, UNK, UNK_ID, Vocabulary
from train.errors import ConfigError, DataError

ALGORITHMS = ("unigram", "bpe")  # SentencePiece's model types
MIN_VOCAB_SIZE = 264  # 4 reserved tokens + 256 byte pieces + a few pieces of text
_TOO_LARGE = re.compile(r"Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)")
_TOO_SMALL = re.compile(r"Vocabulary size is smaller than required_chars\. (\d+) vs (\d+)")


def train_models(train_pairs, config):
    """[(source text, target text)] -> (source model, target model) as .model file bytes."""
    return tuple(_train([pair[side] for pair in train_pairs], config, name)
                 for side, name in ((0, "source"), (1, "target")))


def vocabulary(subword_tokenizer):
    """The Vocabulary a subword Tokenizer's model defines: its pieces, in id order."""
    return Vocabulary(pieces_of(subword_tokenizer.pieces.processor))


def _train(texts, config, side):
    sentencepiece = sentencepiece_module("--level subword")
    model = io.BytesIO()
    try:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter([t.lower() for t in texts] if config.lowercase else texts),
            model_writer=model, vocab_size=config.subword_vocab_size,
            model_type=config.subword_algorithm, byte_fallback=True, character_coverage=1.0,
            normalization_rule_name="identity", num_threads=1,  # one thread: repeatable
            pad_id=PAD_ID, bos_id=START_ID, eos_id=END_ID, unk_id=UNK_ID,
            pad_piece=PAD, bos_piece=START, eos_piece=END, unk_piece=UNK, minloglevel=2)
    except RuntimeError as error:
        too_large = _TOO_LARGE.search(str(error))
        if too_large:
            raise ConfigError(
                f"subword_vocab_size {config.subword_vocab_size} is too large for the {side} "
                f"side of the {len(texts)} training pairs: their text allows at most "
                f"{too_large.group(2)} pieces; choose a smaller --subword-vocab-size") from None
        too_small = _TOO_SMALL.search(str(error))
        if too_small:
            raise ConfigError(
                f"subword_vocab_size {config.subword_vocab_size} is too small for the {side} "
                f"side of the {len(texts)} training pairs: its characters, the reserved tokens "
                f"and the 256 byte pieces need at least {too_small.group(2)}; choose a larger "
                f"--subword-vocab-size") from None
        raise DataError(f"SentencePiece cannot build the {side} subword model from the "
                        f"{len(texts)} training pairs with subword_vocab_size "
                        f"{config.subword_vocab_size}: {error}") from None
    return model.getvalue()
