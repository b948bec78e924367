"""`python -m runtime` in fresh interpreters: no TensorFlow, streaming stdin, errors."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BANNED = ("tensorflow", "keras", "tf2onnx", "train", "export", "s2s_evaluate", "sacrebleu",
          "matplotlib")


def test_runtime_never_imports_tensorflow(exports):
    probe = ("import sys; from runtime import Translator; "
             f"t = Translator.load({str(exports['word'][0])!r}); t.translate('the cat .'); "
             f"a = Translator.load({str(exports['word-luong'][0])!r}); "
             "a.translate_detailed(['the cat .'], attention=True); "
             f"print([m for m in {BANNED!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_cli_without_heatmap_imports_no_matplotlib(exports):
    probe = ("import sys, runtime.__main__ as cli; "
             f"cli.main([{str(exports['word-luong'][0])!r}, 'the cat .']); "
             f"print([m for m in {BANNED!r} if m in sys.modules], file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


def run_cli(*args, stdin=b""):
    return subprocess.run([sys.executable, "-m", "runtime", *map(str, args)], cwd=ROOT,
                          input=stdin, capture_output=True, timeout=120)


def test_arguments_and_stdin_give_one_line_each(exports):
    folder = exports["word"][0]
    by_args = run_cli(folder, "the cat .", "a dog .")
    assert by_args.returncode == 0 and len(by_args.stdout.decode().splitlines()) == 2
    lines = b"the cat .\n\n\xff\xfe not utf-8\na dog .\n"
    by_stdin = run_cli(folder, stdin=lines)
    outputs = by_stdin.stdout.decode().splitlines()
    assert by_stdin.returncode == 0 and len(outputs) == 4 and outputs[1] == ""
    assert [outputs[0], outputs[3]] == by_args.stdout.decode().splitlines()


def test_json_lines(exports):
    result = run_cli(exports["word"][0], "--json", "the zebra .")
    record = json.loads(result.stdout)
    assert record["input"] == "the zebra ." and record["unknown"] == ["zebra"]
    assert record["truncated"] is False and isinstance(record["output"], str)


def test_plain_output_and_chat_warn_of_cut_and_unknown_inputs(exports):
    folder = exports["word"][0]
    long_input = " ".join(["the cat"] * 40) + " ."
    plain = run_cli(folder, "the zebra .", long_input, "the cat .")
    warnings = plain.stderr.decode().strip().splitlines()
    assert plain.returncode == 0 and len(plain.stdout.decode().splitlines()) == 3
    assert len(warnings) == 2
    assert "'the zebra .' has tokens the model does not know: ['zebra']" in warnings[0]
    assert "was cut to its first" in warnings[1] and "--quiet" in warnings[1]
    chat = run_cli(folder, "--chat", stdin=b"the zebra .\n")
    assert "['zebra']" in chat.stderr.decode()
    quiet = run_cli(folder, "--quiet", "the zebra .", long_input)
    assert quiet.stderr.decode() == "" and quiet.returncode == 0
    as_json = run_cli(folder, "--json", "the zebra .")
    assert as_json.stderr.decode() == ""


def test_an_empty_chat_reply_from_beam_search_points_to_min_length(exports, monkeypatch):
    from runtime import __main__ as cli

    class Empty:
        text, truncated, unknown = "", False, ()

    monkeypatch.setattr(cli, "_detailed", lambda *args, **kwargs: [Empty()])
    lines = iter(["hello"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(lines))
    outputs = []
    monkeypatch.setattr(cli.sys, "stderr", type("Sink", (), {
        "write": lambda self, text: outputs.append(text), "flush": lambda self: None})())
    args = cli.parse_args([str(exports["word"][0]), "--chat", "--beam", "3"])
    translator = cli.Translator.load(args.export_dir)
    with pytest.raises(StopIteration):
        cli._chat(translator, args)
    assert "--min-length 1" in "".join(outputs)


def test_bad_paths_and_exports_are_one_line_errors(tmp_path):
    for args in ([tmp_path / "missing", "x"], [tmp_path, "x"]):
        result = run_cli(*args)
        assert result.returncode == 2
        assert result.stderr.decode().strip().startswith("error: ")
        assert len(result.stderr.decode().strip().splitlines()) == 1


def test_chat_answers_each_line_until_end_of_input(exports):
    result = run_cli(exports["word"][0], "--chat", stdin=b"the cat .\na dog .\n")
    assert result.returncode == 0
    assert result.stdout.decode().count("bot> ") == 2


def test_crlf_and_stray_carriage_returns_keep_lines_aligned(exports):
    result = run_cli(exports["word"][0], stdin=b"the cat .\r\na\rdog .\nbig cat .\n")
    assert len(result.stdout.decode().splitlines()) == 3


def test_a_refused_line_does_not_stop_the_others(exports):
    result = run_cli(exports["word"][0], "--unknown", "error", "--json",
                     stdin=b"the zebra .\nthe cat .\n")
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert "zebra" in records[0]["error"] and isinstance(records[1]["output"], str)
    assert result.returncode == 1 and "unknown tokens ['zebra']" in result.stderr.decode()


def test_a_coprocess_gets_each_answer_without_closing_stdin(exports):
    process = subprocess.Popen([sys.executable, "-m", "runtime", str(exports["word"][0])],
                               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        for _ in range(2):
            process.stdin.write(b"the cat .\n")
            process.stdin.flush()
            assert process.stdout.readline()  # answered while stdin stays open
    finally:
        process.stdin.close()
        process.wait(timeout=60)


def test_closed_output_pipe_ends_quietly(exports):
    reader = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    result = subprocess.run([sys.executable, "-m", "runtime", str(exports["word"][0])], cwd=ROOT,
                            input=b"the cat .\n" * 5000, stdout=reader.stdin,
                            stderr=subprocess.PIPE, timeout=120)
    reader.stdin.close()
    reader.wait()
    assert result.returncode == 0 and b"error" not in result.stderr


def test_long_texts_are_shortened_at_a_word_boundary_in_titles_and_warnings():
    from runtime.__main__ import _shorten

    shortened = _shorten("extraordinary " * 10)
    assert len(shortened) <= 60 and shortened.endswith(" ...")
    assert all(word in ("extraordinary", "...") for word in shortened.split())
    assert _shorten("short") == "short"
