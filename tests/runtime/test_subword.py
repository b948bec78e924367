"""Subword tokenization (runtime.subword, runtime.tokenize.Tokenizer) with a small
SentencePiece model trained as `python -m train --level subword` trains one."""

import sys

import pytest

from runtime.errors import TokenizationError
from runtime.subword import SubwordModelError, load_processor
from runtime.tokenize import Tokenizer, tokenize
from runtime.tokenize import subword_tokenizer as tokenizer
from train.config import make_config
from train.subword import train_models

FRENCH = [("Where is the station?", "Où est la gare\u202f?"),
          ("I'm hungry.", "J'ai faim."), ("Thank you!", "Merci\u202f!"),
          ("The cat is sleeping.", "Le chat dort."), ("Is it far?", "Est-ce loin\u202f?")] * 20


@pytest.fixture(scope="module")
def models():
    return train_models(FRENCH, make_config(level="subword", subword_vocab_size=290))


@pytest.mark.parametrize("text", ["Où est la gare\u202f?", "Le chat dort.",
                                  "Zoë's naïve café — 東京 🚉!", "<end> <unk> literal"])
# (SentencePiece reads a literal "▁", its word-start mark, as a space.)
def test_detokenizing_restores_the_text_and_nothing_is_unknown(models, text):
    """(Not a literal "▁", SentencePiece's word-start mark, which it reads as a space.)"""
    french = tokenizer(models[1], False, "target")
    pieces = french.tokenize(text)
    assert "<unk>" not in pieces  # byte fallback spells unseen characters
    assert french.detokenize(pieces) == text


def test_unseen_characters_become_byte_pieces(models):
    pieces = tokenizer(models[1], False, "target").tokenize("東")
    assert pieces[-3:] == ["<0xE6>", "<0x9D>", "<0xB1>"]  # its UTF-8 bytes


def test_lowercase_applies_before_the_pieces(models):
    lowered = tokenizer(models[0], True, "source")
    assert lowered.tokenize("WHERE") == lowered.tokenize("where")


def test_subword_needs_a_model():
    with pytest.raises(TokenizationError, match="subword tokens need the run's SentencePiece"):
        tokenize("text", "subword")
    with pytest.raises(TokenizationError, match="a subword-level Tokenizer takes a SentencePiece"):
        Tokenizer("subword")


def test_a_file_that_is_not_a_sentencepiece_model_is_named(tmp_path):
    with pytest.raises(SubwordModelError, match="x.model: not a SentencePiece model"):
        load_processor(b"not a model", "x.model")


def test_without_sentencepiece_the_error_says_what_to_install(models, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # import fails as if absent
    with pytest.raises(SubwordModelError, match="needs the sentencepiece package, which is not "
                                                "installed: pip install sentencepiece"):
        load_processor(models[0], "source_subword.model")
