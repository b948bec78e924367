"""SentencePiece subword pieces: the tokenizer of `level="subword"` exports and runs.

The `sentencepiece` package is imported only here, and only when a subword model is loaded,
so char- and word-level exports never need it. Each side (source, target) has its own
model, trained by `python -m train` on the training split (train.subword); its ids are the
vocabulary's ids, reserved tokens included (runtime.vocabulary.RESERVED at 0-3), and byte
fallback spells any character it never saw as byte pieces, so no input becomes <unk>.
"""

import re

from runtime.errors import TokenizationError

# Lone surrogates are not Unicode text and have no UTF-8 form, which SentencePiece needs.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
INSTALL_HINT = ("pip install sentencepiece (a dependency of lstm-seq2seq-onnx: a "
                "`pip install --no-deps` install lacks it)")


class SubwordModelError(TokenizationError):
    """A SentencePiece model cannot be used: sentencepiece is missing, or the file is not a
    SentencePiece model, or its pieces are not the vocabulary's."""


def sentencepiece_module(why):
    """The sentencepiece module, or a SubwordModelError saying `why` it is needed."""
    try:
        import sentencepiece
    except ImportError:
        raise SubwordModelError(f"{why} needs the sentencepiece package, which is not "
                                f"installed: {INSTALL_HINT}") from None
    return sentencepiece


def load_processor(model_bytes, source):
    """A SentencePieceProcessor from a .model file's bytes; errors name `source`."""
    sentencepiece = sentencepiece_module(f"{source} (subword tokens)")
    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(model_bytes)
    except (RuntimeError, OSError, TypeError) as error:
        raise SubwordModelError(f"{source}: not a SentencePiece model ({error})") from None
    return processor


def pieces_of(processor):
    """The model's pieces in id order: what its vocabulary JSON lists."""
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


class SubwordPieces:
    """Text <-> pieces with one SentencePiece model ("▁" marks a word's start)."""

    def __init__(self, processor):
        self.processor = processor

    def split(self, text):
        """Text -> pieces; a lone surrogate is read as U+FFFD, the replacement character."""
        return self.processor.encode(_LONE_SURROGATE.sub("\ufffd", text), out_type=str)

    def join(self, pieces):
        # Byte pieces ("<0xE2>") join back into the characters they spell.
        return self.processor.decode_pieces(list(pieces))
