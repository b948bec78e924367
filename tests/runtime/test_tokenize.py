import pytest

from runtime import TokenizationError, detokenize, tokenize


def test_char_level_keeps_every_code_point():
    text = "Cours\u202f! Ça va?"
    assert tokenize(text, "char") == list(text)
    assert detokenize(tokenize(text, "char"), "char") == text


def test_word_level_splits_words_from_punctuation():
    assert tokenize("I'm here, Tom!", "word") == ["I'm", "here", ",", "Tom", "!"]
    assert tokenize("Va\u202f!", "word") == ["Va", "!"]  # narrow no-break space is whitespace


def test_lowercase():
    assert tokenize("Hi Tom", "word", lowercase=True) == ["hi", "tom"]
    assert tokenize("AB", "char", lowercase=True) == ["a", "b"]


def test_word_detokenize_attaches_punctuation():
    assert detokenize(["i'm", "here", ",", "tom", "!"], "word") == "i'm here, tom!"
    assert detokenize(["(", "yes", ")"], "word") == "(yes)"
    assert detokenize(["comment", "allez", "-", "vous", "?"], "word") == "comment allez-vous?"
    assert detokenize([], "word") == ""


def test_bad_level_and_type():
    with pytest.raises(TokenizationError, match="level must be one of"):
        tokenize("x", "byte")
    with pytest.raises(TypeError, match="text must be str, got bytes"):
        tokenize(b"x", "char")
