"""Hostile input, damaged graphs, determinism: the runtime keeps working and loses nothing."""

import hashlib
import json
import random
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import ExportLoadError, InputError, Translator
from runtime import manifest as names
from tests.conftest import ROOT

# Every code point, lone surrogates included (the default text strategy leaves them out).
ANY_TEXT = st.text(alphabet=st.characters(codec=None, categories=None), max_size=300)
HOSTILE = st.one_of(
    ANY_TEXT,
    st.sampled_from(["\x00", "\x00abc\x00", "e\u0301\u0301\u0301", "👍🏽🇫🇷", "مرحبا بالعالم",
                     "\u202eevil", "\ud800", "\udfff x", " \t\n\r\x0b\x0c", "\u3000\u00a0"]),
    st.text(min_size=2000, max_size=20000),  # far beyond any model's maximum input
)
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def translators(exports):
    return {kind: Translator.load(exports[kind][0]) for kind in HOSTILE_KINDS}


HOSTILE_KINDS = ["char", "word", "subword-bahdanau"]


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
@FUZZ
@given(text=HOSTILE)
def test_any_text_gives_a_bounded_output(translators, kind, text):
    translator = translators[kind]
    result = translator.translate_detailed([text])[0]
    assert isinstance(result.text, str)
    assert len(result.tokens) <= translator.manifest.max_target_length
    if not text.strip():
        assert result.text == ""


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
@FUZZ
@given(texts=st.lists(HOSTILE, max_size=12))
def test_strict_policies_raise_only_input_error(translators, exports, kind, texts):
    strict = Translator.load(exports[kind][0], unknown="error", too_long="error")
    try:
        strict.translate_batch(texts)
    except InputError:
        pass  # the documented refusal; anything else fails the test


def test_cli_survives_arbitrary_bytes_on_stdin(exports):
    rng = random.Random(0)
    lines = [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80))).replace(b"\n", b"")
             for _ in range(500)]
    data = b"\n".join(lines) + b"\n"
    for kind in ("char", "word"):
        result = subprocess.run([sys.executable, "-m", "runtime", str(exports[kind][0]), "--json"],
                                cwd=ROOT, input=data, capture_output=True, timeout=300)
        assert result.returncode == 0, result.stderr
        records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
        assert len(records) == len(lines)


@pytest.mark.parametrize("content", [b"", b"\x08\x07", b"\x00" * 1000, "truncated"])
def test_damaged_graphs_never_abort_the_interpreter(exports, tmp_path, content):
    folder = tmp_path / "export"
    shutil.copytree(exports["char"][0], folder)
    graph = folder / names.DECODER_FILE
    if content == "truncated":
        content = graph.read_bytes()[: len(graph.read_bytes()) // 2]
    graph.write_bytes(content)
    manifest = json.loads((folder / names.MANIFEST_FILE).read_text())
    manifest["files"][names.DECODER_FILE] = hashlib.sha256(content).hexdigest()
    (folder / names.MANIFEST_FILE).write_text(json.dumps(manifest))
    probe = ("from runtime import Translator, ExportLoadError\n"
             f"try:\n    Translator.load({str(folder)!r})\n"
             "except ExportLoadError as error:\n    print('refused:', error)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr  # not killed by a signal, no traceback
    assert result.stdout.startswith("refused:") and "decoder.onnx" in result.stdout
    with pytest.raises(ExportLoadError):
        Translator.load(folder)


TEXTS = ["the cat .", "a big red dog sees the small cat .", "blue", "the the the the ."] * 10


def test_same_output_across_thread_counts_and_batch_compositions(exports):
    one = Translator.load(exports["word"][0], threads=1)
    two = Translator.load(exports["word"][0], threads=2)
    expected = [one.translate(t) for t in TEXTS]
    shuffled = TEXTS[:]
    random.Random(1).shuffle(shuffled)
    lookup = dict(zip(TEXTS, expected))
    assert two.translate_batch(TEXTS, batch_size=5) == expected
    assert one.translate_batch(shuffled, batch_size=64) == [lookup[t] for t in shuffled]


def test_same_output_across_processes(exports):
    command = [sys.executable, "-m", "runtime", str(exports["word"][0]), *TEXTS[:4]]
    runs = [subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].count(b"\n") == 4
