"""The Translator on real exports of tiny trained models (tests/conftest.py)."""

import threading
import warnings

import pytest

from runtime import InputError, ProviderError, Translator
from tests.conftest import word_pairs

TEXTS = [source for source, _ in word_pairs(40)] + ["the cat .", "big red dog sees a cat ."]


@pytest.fixture(scope="module")
def word(exports):
    return Translator.load(exports["word"][0])


@pytest.mark.parametrize("kind", ["word", "subword-bahdanau"])
def test_matches_keras_greedy_decoding(runs, exports, kind):
    from train.decode import translate
    from train.model import build_inference_models
    from train.run_dir import RunDir
    from train.trainer import load_best_model

    run = RunDir(runs[kind])
    translator = Translator.load(exports[kind][0])
    encoder, decoder_step = build_inference_models(load_best_model(run.path))
    expected = translate(encoder, decoder_step, TEXTS, run.load_vocabularies(),
                         run.load_tokenizers(run.read_config()),
                         translator.manifest.max_target_length)
    assert translator.translate_batch(TEXTS) == expected


def test_batched_equals_one_by_one(word):
    alone = [word.translate(text) for text in TEXTS]
    for batch_size in (1, 3, 64):
        assert word.translate_batch(TEXTS, batch_size=batch_size) == alone


@pytest.mark.parametrize("kind", ["word", "char"])  # at char level spaces are tokens
def test_empty_input_never_reaches_onnxruntime(exports, kind, monkeypatch):
    translator = Translator.load(exports[kind][0])

    def refuse(*args, **kwargs):
        raise AssertionError("onnxruntime was called")

    refusing = [b._replace(encode=refuse, step=refuse, outputs=refuse, top=refuse)
                for b in translator._backends]
    monkeypatch.setattr(translator, "_backends", translator._backends._make(refusing))
    assert translator.translate_batch(["", "   ", "\n\t"]) == ["", "", ""]
    assert translator.translate_batch([]) == []


def test_non_string_input_is_a_type_error(word):
    for bad in (None, 3, b"bytes"):
        with pytest.raises(TypeError, match="text must be str"):
            word.translate(bad)
    with pytest.raises(TypeError, match="takes a list of texts"):
        word.translate_detailed("not a list")


def test_unknown_token_policies(exports):
    text = "the zebra sees a cat ."
    replacing = Translator.load(exports["word"][0])
    dropping = Translator.load(exports["word"][0], unknown="drop")
    replace, drop = replacing.translate_detailed([text])[0], dropping.translate_detailed([text])[0]
    assert replace.unknown == drop.unknown == ("zebra",)
    assert drop.text == replacing.translate("the sees a cat .")  # as if the word were absent
    strict = Translator.load(exports["word"][0], unknown="error")
    with pytest.raises(InputError, match="unknown tokens \\['zebra'\\]"):
        strict.translate(text)
    with pytest.raises(ValueError, match="unknown must be one of"):
        Translator.load(exports["word"][0], unknown="ignore")


def test_too_long_input_policies(exports):
    loaded = Translator.load(exports["word"][0], max_input_length=3)
    result = loaded.translate_detailed(["the cat sees a dog ."])[0]
    assert result.truncated and result.text == loaded.translate("the cat sees")
    strict = Translator.load(exports["word"][0], too_long="error", max_input_length=3)
    with pytest.raises(InputError, match="6 tokens exceeds max_input_length 3"):
        strict.translate("the cat sees a dog .")


def test_output_length_is_bounded(word):
    for max_length in (1, 2):
        for result in word.translate_detailed(TEXTS, max_length=max_length):
            assert len(result.tokens) <= max_length
    with pytest.raises(ValueError, match="max_length must be an integer >= 1"):
        word.translate("the cat", max_length=0)


def test_one_translator_shared_by_threads_matches_sequential(word):
    expected = word.translate_batch(TEXTS)
    results, errors = {}, []

    def work(worker):
        try:
            for repeat in range(10):  # 8 threads x 10 x 42 texts = 3,360 translations
                texts = TEXTS[worker:] + TEXTS[:worker]  # each thread its own batch mix
                results[(worker, repeat)] = (texts, word.translate_batch(texts, batch_size=7))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    lookup = dict(zip(TEXTS, expected))
    assert len(results) == 80
    for texts, outputs in results.values():
        assert outputs == [lookup[t] for t in texts]


@pytest.mark.skipif("CUDAExecutionProvider" in __import__("onnxruntime").get_available_providers(),
                    reason="this onnxruntime has CUDA: there is no fallback to observe")
def test_cuda_falls_back_to_cpu_with_a_warning_or_fails_when_strict(exports):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = Translator.load(exports["char"][0], providers=("cuda", "cpu"))
    assert fallback.providers == ["CPUExecutionProvider"]
    assert any("['cuda'] are not in use; running on ['CPUExecutionProvider']" in str(w.message)
               for w in caught)
    with pytest.raises(ProviderError, match="not available"):
        Translator.load(exports["char"][0], providers=("cuda",), strict_providers=True)
    with pytest.raises(ValueError, match="providers must be"):
        Translator.load(exports["char"][0], providers=("tpu",))


def test_session_settings_are_the_measured_defaults(exports):
    for session in Translator.load(exports["char"][0]).sessions.values():
        options = session.get_session_options()
        assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    for session in Translator.load(exports["char"][0], threads=2, spinning=True).sessions.values():
        options = session.get_session_options()
        assert options.intra_op_num_threads == 2
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "1"


def test_threads_must_be_positive(exports):
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        Translator.load(exports["char"][0], threads=0)


def test_char_model(exports):
    char = Translator.load(exports["char"][0])
    assert isinstance(char.translate("abc"), str)
    assert char.translate_batch(["abc", "dcba"]) == [char.translate("abc"), char.translate("dcba")]


@pytest.fixture(scope="module")
def subword(exports):
    return Translator.load(exports["subword-bahdanau"][0])


def test_subword_input_has_no_unknown_tokens_and_shows_its_pieces(subword):
    result = subword.translate_detailed(["the zebra sees a cat ."], attention=True)[0]
    assert result.unknown == () and "<unk>" not in result.source_tokens
    assert result.source_tokens[0].startswith("▁")  # SentencePiece's word-start mark
    assert result.attention.shape == (len(result.tokens), len(result.source_tokens))


def test_subword_input_policies(exports):
    strict = Translator.load(exports["subword-bahdanau"][0], unknown="error", too_long="error")
    assert isinstance(strict.translate("the qzx cat ."), str)  # nothing is ever unknown
    with pytest.raises(InputError, match="exceeds max_input_length"):
        strict.translate("the cat sees a dog . " * 20)
    cut = Translator.load(exports["subword-bahdanau"][0], max_input_length=3)
    assert cut.translate_detailed(["the big red cat sees a dog ."])[0].truncated


def test_subword_beam_search_and_sampling(subword):
    from runtime import Decoding

    beam = subword.translate_detailed(TEXTS[:4], decoding=Decoding("beam", beam_width=3, n_best=2))
    assert all(len(t.n_best) == 2 and t.score is not None for t in beam)
    sampled = subword.translate_batch(TEXTS[:4], decoding=Decoding("sample", seed=3))
    assert sampled == subword.translate_batch(TEXTS[:4], decoding=Decoding("sample", seed=3))
