"""What each README command must have done (tests/docs/plan.py names them), and the inputs
the workspace holds for them. A check takes the command's Outcome and the workspace folder and
raises AssertionError; the ones for commands CI does not run take the command alone."""

import json
import shlex
import tomllib

from benchmarks.results_folder import SCRATCH_NAME
from runtime.manifest import MANIFEST_FILE, Manifest
from tests.conftest import ROOT
from train import cluster, run_dir

ENGLISH = ["How are you?", "Thank you.", "I love you."]  # english.txt
TEST_PAIRS = [("Hello!", "Bonjour !"), ("Thank you.", "Merci."), ("I love you.", "Je t'aime.")]
CHAT_INPUT = "hello\nhow are you?\n"


def probe(port):
    """A request sent to a server once it answers /health."""
    return (f"curl -s --max-time 60 localhost:{port}/translate -H 'Content-Type: application/json' "
            f"-d '{{\"text\": \"How are you?\"}}'")


# Options appended to the README's training commands so that CI trains tiny models for one
# epoch; the README's own options are still parsed and applied (the last value wins).
TINY = "--num-samples 400 --epochs 1 --embedding-dim 8 --latent-dim 16 --samples 1"
TINY_SUBWORD = TINY + " --subword-vocab-size 400 --combine-dim 8"
# make demo, on a tiny model written into the workspace instead of runs/default.
DEMO = (f"make -C {shlex.quote(str(ROOT))} demo RUN_DIR=\"$PWD/runs/default\" "
        f"EXPORT_DIR=\"$PWD/exports/default\" "
        f"TRAIN_OPTIONS=\"{TINY_SUBWORD} --num-samples 1500 --samples 2\"")
PIP_REASON = ("installs into the environment; CI installs every extra at once (make test: "
              "pip install -e \".[train,export,evaluate,plot,dev,serve,ray]\"), and the extra "
              "is checked against pyproject.toml")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def succeeded(outcome):
    assert outcome.returncode is not None, f"did not finish in time: {outcome.stderr[-3000:]}"
    assert outcome.returncode == 0, (f"exit status {outcome.returncode}\nstdout: "
                                     f"{outcome.stdout[-2000:]}\nstderr: {outcome.stderr[-3000:]}")


def demo(outcome, work):
    succeeded(outcome)
    for said in ("parity:", "exported to", "BLEU", "chrF"):
        assert said in outcome.stdout, f"make demo did not print {said!r}"
    assert (work / "exports" / "default.evaluation.json").is_file()
    records = [json.loads(line) for line in outcome.stdout.splitlines() if line[:1] == "{"]
    assert [r["input"] for r in records][:2] == ["Hello!", "How are you?"], records


def trained(run, **expected):
    def check(outcome, work):
        succeeded(outcome)
        assert (work / run / run_dir.MODEL).is_file()
        config = json.loads((work / run / run_dir.CONFIG).read_text(encoding="utf-8"))["config"]
        for name, value in expected.items():
            assert config[name] == value, f"{run}: {name} is {config[name]!r}, not {value!r}"
    return check


def exported(folder):
    def check(outcome, work):
        succeeded(outcome)
        assert "exported to" in outcome.stdout, outcome.stdout[-2000:]
        Manifest.from_json((work / folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    return check


def gated(folder, *gates):
    """"kept only if a quality gate passes": written with every speed-up asked for, or refused
    by one of their gates and not written (a tiny model often fails one; the written case
    with relaxed gates is tests/export/test_speed_ups.py's)."""
    def check(outcome, work):
        if outcome.returncode == 0:
            manifest = Manifest.from_json((work / folder / MANIFEST_FILE).read_text("utf-8"))
            assert ("int8" not in gates or manifest.precision == "int8") and \
                ("shortlist" not in gates or manifest.shortlist), manifest
        else:
            refusals = [f"error: the {gate} gate failed" for gate in gates]
            assert any(r in outcome.stderr for r in refusals), outcome.stderr[-3000:]
            assert "the export was not written" in outcome.stderr
            # (a symlink: the stand-in the python examples use, tests/docs/test_readme_commands)
            assert (work / folder).is_symlink() or not (work / folder).exists()
    return check


def lines(count):
    def check(outcome, work):
        succeeded(outcome)
        assert len(outcome.stdout.splitlines()) == count, outcome.stdout
    return check


def translated_file(source, target):
    def check(outcome, work):
        succeeded(outcome)
        written = (work / target).read_text(encoding="utf-8").splitlines()
        assert len(written) == len((work / source).read_text("utf-8").splitlines()), written
    return check


def json_lines(count, keys):
    def check(outcome, work):
        lines(count)(outcome, work)
        for line in outcome.stdout.splitlines():
            assert set(json.loads(line)) == keys, line
    return check


def n_best(count):
    def check(outcome, work):
        lines(1)(outcome, work)
        ranked(json.loads(outcome.stdout), count)
    return check


def ranked(record, count):
    """`count` candidates, best first, the first of them the record's output."""
    scores = [candidate["score"] for candidate in record["n_best"]]
    assert len(scores) == count and scores == sorted(scores, reverse=True), record
    assert record["output"] == record["n_best"][0]["output"], record


def chat(replies):
    def check(outcome, work):
        succeeded(outcome)
        assert outcome.stdout.count("bot> ") == replies, outcome.stdout
    return check


def png(name):
    def check(outcome, work):
        succeeded(outcome)
        assert (work / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return check


def all_of(*checks):
    def check(outcome, work):
        for each in checks:
            each(outcome, work)
    return check


def listened(address):
    """A server that said it listens on `address` (the README's comment) and, stopped by
    SIGTERM once the commands after it were done, exited 0."""
    def check(outcome, work):
        succeeded(outcome)
        assert f"running on http://{address}" in outcome.stderr, outcome.stderr[-2000:]
    return check


RECORD = {"input", "output", "unknown", "truncated"}  # python -m runtime --json's, and HTTP's


def http_translation(outcome, work):
    succeeded(outcome)
    record = json.loads(outcome.stdout)
    assert set(record) == RECORD and record["input"] == "How are you?", record


def event_stream(outcome, work):
    """token events, then one result event whose record is the whole output."""
    succeeded(outcome)
    events = [line.split(": ", 1)[1] for line in outcome.stdout.splitlines()
              if line.startswith(("event: ", "data: "))]
    names, data = events[0::2], [json.loads(d) for d in events[1::2]]
    assert names and names[-1] == "result" and set(names[:-1]) <= {"token"}, outcome.stdout
    assert set(data[-1]) == RECORD, data[-1]


def probe_answered(outcome, work):
    succeeded(outcome)
    assert set(json.loads(outcome.probe)) == RECORD, outcome.probe


def http_n_best(texts, candidates):
    def check(outcome, work):
        succeeded(outcome)
        records = json.loads(outcome.stdout)
        assert len(records) == texts, records
        for record in records:
            ranked(record, candidates)
    return check


def scored(outcome, work):
    succeeded(outcome)
    assert "BLEU" in outcome.stdout and "chrF" in outcome.stdout, outcome.stdout


def report(name):
    def check(outcome, work):
        scored(outcome, work)
        written = json.loads((work / name).read_text(encoding="utf-8"))
        assert {"bleu", "chrf", "exact_match", "examples"} <= set(written), sorted(written)
    return check


def scored_pairs(pairs):
    def check(outcome, work):
        scored(outcome, work)
        assert f"on {len(pairs)} pairs" in outcome.stdout, outcome.stdout
    return check


def table_printed(outcome, work):
    succeeded(outcome)
    assert sum(line.startswith("|") for line in outcome.stdout.splitlines()) > 2


def scratch(work):
    """The benchmarks' default --out, under the workspace's TMPDIR (walkthrough.py)."""
    return work.parent / "tmp" / SCRATCH_NAME


def result_written(name):
    def check(outcome, work):
        succeeded(outcome)
        json.loads((scratch(work) / name).read_text(encoding="utf-8"))
    return check


def written(path):
    def check(outcome, work):
        succeeded(outcome)
        assert (work / path).is_file(), path
    return check


def hostile_survived(outcome, work):
    succeeded(outcome)
    summary = json.loads(outcome.stdout.splitlines()[-1])
    assert summary["server_errors"] == 0 and summary["alive_after"], summary


# Checks of commands CI does not run.

def extra_exists(command):
    words = shlex.split(command)
    target = words[-1]
    assert target == "." or target.startswith(".["), command
    for extra in target[2:-1].split(",") if target != "." else ():
        assert extra in PROJECT["optional-dependencies"], f"no extra [{extra}] in pyproject.toml"


def gpu_install_matches_dependencies(command):
    """The GPU recipe installs the runtime's dependencies with onnxruntime-gpu in place of
    onnxruntime, at the same minimum version."""
    shown = shlex.split(command.split("&&")[1])[2:]
    expected = [r.replace("onnxruntime>", "onnxruntime-gpu>") if r.startswith("onnxruntime")
                else r.split(">")[0] for r in PROJECT["dependencies"]]
    assert sorted(shown) == sorted(expected), (shown, expected)


def tf_config_is_valid(command):
    words = shlex.split(command)
    raw = words[0].removeprefix("TF_CONFIG=")
    placement = cluster.placement("multi-worker", {"TF_CONFIG": raw})
    assert placement.workers == 2 and placement.is_chief, placement


TRANSLATOR_EXAMPLE = """
import runtime
station = translator.translate_detailed(["Where is the station?"])[0]  # the one shown
assert isinstance(station.text, str) and station.unknown == ()
assert isinstance(station.truncated, bool)  # (a tiny model's input limit may cut it)
shown = "".join(station.source_tokens).replace("\u2581", " ").strip()
assert "Where is the station?".startswith(shown) and shown, station.source_tokens
assert isinstance(translator.translate("How are you?"), str)
assert len(translator.translate_batch(["I love you.", "Thank you."], max_length=20)) == 2
assert result.unknown == () and result.truncated is False
assert result.source_tokens and all(isinstance(t, str) for t in result.source_tokens)
assert result.attention.shape == (len(result.tokens), len(result.source_tokens))
try:
    strict.translate("Where is the station? " * 30)
    raise AssertionError("strict.translate of a long input did not raise InputError")
except runtime.InputError:
    pass
try:
    translator.translate("Hi.", unknown="error")
    raise AssertionError("translate(text, unknown=...) did not raise TypeError")
except TypeError:
    pass
scores = [c.score for c in best.n_best]
assert len(scores) == 3 and scores == sorted(scores, reverse=True)
"""

SCHEDULER_EXAMPLE = """
import runtime
assert isinstance(stream.translation.text, str)
assert isinstance(request.result().text, str)
try:
    scheduler.translate("Hi.")
    raise AssertionError("a closed scheduler took a request")
except runtime.SchedulerClosed:
    pass
"""
