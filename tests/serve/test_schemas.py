"""serve.schemas and serve.translating's checks: strict types, no unknown fields, exactly one
of text/texts, decoding options as runtime.Decoding's, limits. No model needed."""

import dataclasses

import pytest
from pydantic import ValidationError

from runtime import Decoding
from serve.config import EngineSettings, Limits
from serve.errors import RequestError
from serve.schemas import DECODING_OPTIONS, StreamRequest, TranslateRequest
from serve.translating import check_limits, decoding_of


def test_the_body_names_every_decoding_option_as_decoding_does():
    assert DECODING_OPTIONS == tuple(f.name for f in dataclasses.fields(Decoding))
    assert set(DECODING_OPTIONS) <= set(TranslateRequest.model_fields)


@pytest.mark.parametrize("body, problem", [
    ({"text": 5}, "valid string"),
    ({"text": "hi", "max_length": "5"}, "valid integer"),
    ({"text": "hi", "max_length": 5.0}, "valid integer"),
    ({"text": "hi", "beam_width": True}, "valid integer"),
    ({"text": "hi", "scores": 1}, "valid boolean"),
    ({"text": "hi", "temperature": "0.5"}, "valid number"),
    ({"texts": "hi"}, "valid list"),
    ({"texts": ["a", 1]}, "valid string"),
    ({"text": "hi", "colour": "red"}, "Extra inputs"),
    ({"text": "hi", "texts": ["hi"]}, "exactly one"),
    ({}, "exactly one"),
])
def test_wrong_types_and_fields_are_refused_not_coerced(body, problem):
    with pytest.raises(ValidationError, match=problem):
        TranslateRequest(**body)


def test_stream_requests_take_one_text():
    assert StreamRequest(text="hi").all_texts() == ["hi"]
    with pytest.raises(ValidationError, match="Extra inputs"):
        StreamRequest(texts=["hi"])


def test_decoding_options_become_a_decoding_with_its_own_messages():
    assert decoding_of(TranslateRequest(text="hi")) is None
    assert decoding_of(TranslateRequest(text="hi", strategy="beam", beam_width=3, n_best=2)) \
        == Decoding("beam", beam_width=3, n_best=2)
    # an int is a number: accepted where a float is expected
    assert decoding_of(TranslateRequest(text="hi", strategy="sample", temperature=2)) \
        == Decoding("sample", temperature=2.0)
    for options, message in [({"beam_width": 3}, "applies to strategy 'beam'"),
                             ({"strategy": "beam", "n_best": 9, "beam_width": 2}, "exceeds"),
                             ({"strategy": "nope"}, "strategy must be one of")]:
        with pytest.raises(RequestError, match=message) as refused:
            decoding_of(TranslateRequest(text="hi", **options))
        assert refused.value.status == 422


@pytest.mark.parametrize("body, status, message", [
    ({"texts": ["a"] * 4}, 413, r"too many texts: 4, at most 3"),
    ({"texts": ["a", "b" * 11]}, 413, r"texts\[1\] has 11 characters, at most 10"),
    ({"text": "b" * 11}, 413, r"^text has 11 characters"),
    ({"text": "a", "max_length": 9}, 422, r"max_length must be from 1 to 8"),
    ({"text": "a", "max_length": 0}, 422, r"max_length must be from 1 to 8"),
])
def test_limits(body, status, message):
    limits = Limits(max_texts=3, max_text_chars=10, max_output_tokens=8)
    with pytest.raises(RequestError, match=message) as refused:
        check_limits(TranslateRequest(**body), limits)
    assert refused.value.status == status
    check_limits(TranslateRequest(texts=["a" * 10] * 3, max_length=8), limits)  # at the limits


@pytest.mark.parametrize("make, message", [
    (lambda: Limits(max_texts=0), "max_texts must be an integer >= 1, got 0"),
    (lambda: Limits(timeout=float("nan")), "timeout must be a finite number > 0"),
    (lambda: EngineSettings("x", unknown="ignore"), "unknown must be one of"),
    (lambda: EngineSettings("x", max_rows=True), "max_rows must be an integer >= 1"),
])
def test_settings_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()
