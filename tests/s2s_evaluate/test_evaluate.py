"""python -m s2s_evaluate on exported tiny models: the run's validation split rebuilt from the
manifest, any pairs file with --split all, and one-line errors."""

import json
import shutil
import subprocess
import sys

import pytest

from s2s_evaluate import EvaluationError, evaluate_export, score
from s2s_evaluate.evaluator import summary
from runtime import Translator
from tests.conftest import ROOT
from train.run_dir import RunDir


def test_scores_the_runs_validation_split(exports, runs, tmp_path):
    out = tmp_path / "report.json"
    report = evaluate_export(exports["word-luong"][0], out_path=out, examples=3)
    validation = RunDir(runs["word-luong"]).read_metadata()["data"]["validation_pairs"]
    assert report["split"] == "validation" and report["pairs"] == validation
    assert json.loads(out.read_text()) == report
    assert report["model"] == {"level": "word", "attention": "luong", "state_size": 16}
    assert len(report["examples"]) == 3
    assert report["decoding"] == {"strategy": "greedy"}  # no beam or sampling settings
    # The scores are those of the runtime's translations of these very pairs.
    example = report["examples"][0]
    assert example["output"] == Translator.load(exports["word-luong"][0]).translate(example["input"])


def test_scores_are_those_of_the_runtimes_translations_of_the_validation_pairs(exports, runs):
    report = evaluate_export(exports["char"][0])
    run = RunDir(runs["char"])
    pairs = prepare_again(run)
    translator = Translator.load(exports["char"][0])
    direct = score(translator.translate_batch([source for source, _ in pairs]),
                   [reference for _, reference in pairs], lowercase=False)
    assert {k: report[k] for k in direct} == direct


def prepare_again(run):
    """The run's validation pairs, rebuilt here from its own config and data file."""
    from train.dataset import prepare
    from train.sources import load_pairs

    config = run.read_config()
    pairs, load_report = load_pairs(run.read_metadata()["data"]["path"])
    return prepare(pairs, config, load_report, run.load_vocabularies()).validation.texts


def test_split_all_scores_every_pair_of_a_file(exports, tmp_path):
    pairs = tmp_path / "mine.txt"
    pairs.write_text("the cat .\tcat the !\na dog .\tdog a !\n")
    report = evaluate_export(exports["word"][0], data_path=pairs, split="all")
    assert report["pairs"] == 2 and report["split"] == "all"


def test_a_changed_data_file_cannot_give_the_validation_split(exports, runs, tmp_path):
    changed = tmp_path / "word.txt"
    shutil.copyfile(RunDir(runs["word"]).read_metadata()["data"]["path"], changed)
    with open(changed, "a") as f:
        f.write("one more .\tmore one !\n")
    with pytest.raises(EvaluationError, match="not the file the model was trained on"):
        evaluate_export(exports["word"][0], data_path=changed)


def test_split_all_needs_a_file_and_reports_need_a_folder(exports, tmp_path):
    with pytest.raises(EvaluationError, match="give it with --data"):
        evaluate_export(exports["word"][0], split="all")
    with pytest.raises(EvaluationError, match="its folder does not exist"):
        evaluate_export(exports["word"][0], out_path=tmp_path / "missing" / "report.json")


def test_evaluation_needs_no_tensorflow(exports):
    probe = ("import sys; from s2s_evaluate import evaluate_export; "
             f"evaluate_export({str(exports['word'][0])!r}); "
             "print([m for m in ('tensorflow', 'keras', 'tf2onnx') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "s2s_evaluate", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_the_scores_and_writes_the_report(exports, tmp_path):
    result = run_cli(exports["char"][0], "--out", tmp_path / "r.json", "--limit", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("BLEU ") and " chrF " in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["pairs"] == 5


@pytest.mark.parametrize("args, message", [
    (["missing-export"], "no such folder"),
    (["{char}", "--split", "all"], "give it with --data"),
    (["{char}", "--limit", "0"], "limit must be >= 1"),
    (["{char}", "--split", "all", "--data", "nowhere.txt"], "nowhere.txt does not exist"),
])
def test_cli_errors_are_one_line(exports, args, message):
    result = run_cli(*[a.format(char=exports["char"][0]) for a in args])
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_subword_export_is_scored_in_total_and_by_source_length(exports):
    report = evaluate_export(exports["subword-bahdanau"][0])
    assert report["model"]["level"] == "subword"
    buckets = report["by_source_length"]
    assert list(buckets) == ["1-4", "5-9", "10+"]
    assert sum(b["pairs"] for b in buckets.values()) == report["pairs"]
    assert "words: BLEU" in summary(report)
    assert report["inputs_with_unknown_tokens"] == 0  # byte fallback: nothing is unknown
    assert report["inputs_truncated"] == 0  # the limit is the longest input in the data


def test_inputs_cut_or_with_unknown_tokens_are_counted(exports, tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("the zebra sees a cat .\tx\n" + "the cat . " * 30 + "\ty\nthe cat .\tz\n",
                     encoding="utf-8")
    report = evaluate_export(exports["word"][0], data_path=pairs, split="all")
    assert (report["inputs_with_unknown_tokens"], report["inputs_truncated"]) == (1, 1)
