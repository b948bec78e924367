"""Export + pairs -> a report: translate every input with the runtime, score the outputs."""

import os
import time

from s2s_evaluate.errors import EvaluationError
from s2s_evaluate.pairs import evaluation_pairs
from s2s_evaluate.scores import score, score_by_length
from runtime.atomic import write_json_atomic
from runtime.decoding import Decoding
from runtime.translator import Translator


def evaluate_export(export_dir, data_path=None, split="validation", limit=None,
                    lowercase=None, examples=10, batch_size=64, threads=1, out_path=None,
                    decoding=None):
    """-> report dict; also written to out_path (atomically) when given. decoding: a
    runtime.Decoding (default greedy); beam search scores its best output.

    lowercase: score case-insensitively; None = as the model was trained (a model trained on
    lowercased text cannot be asked for case). limit: score the first N pairs only."""
    if limit is not None and limit < 1:
        raise EvaluationError(f"limit must be >= 1, got {limit}")
    if out_path and not os.path.isdir(os.path.dirname(os.path.abspath(out_path))):
        raise EvaluationError(f"cannot write the report to {out_path}: its folder does not "
                              f"exist")
    translator = Translator.load(export_dir, threads=threads)
    loaded, manifest = translator.export, translator.manifest
    pairs, data_path = evaluation_pairs(loaded, data_path, split)
    pairs = pairs[:limit] if limit else pairs
    if not pairs:
        raise EvaluationError(f"no pairs to score in {data_path} ({split} split)")
    if lowercase is None:
        lowercase = manifest.tokenization["lowercase"]
    started = time.perf_counter()
    decoding = Decoding() if decoding is None else decoding
    sources, references = [s for s, _ in pairs], [r for _, r in pairs]
    results = translator.translate_detailed(sources, batch_size=batch_size, decoding=decoding)
    seconds = time.perf_counter() - started
    outputs = [result.text for result in results]
    report = {
        "export": loaded.folder, "data": os.path.abspath(data_path), "split": split,
        "pairs": len(pairs), "lowercase": lowercase,
        "model": {"level": manifest.tokenization["level"], "attention": manifest.attention,
                  "state_size": manifest.model["state_size"]},
        "decoding": decoding.applicable(),
        **score(outputs, references, lowercase),
        "by_source_length": score_by_length(sources, outputs, references, lowercase),
        # Inputs the runtime cut to its maximum length, or in which it found unknown tokens.
        "inputs_truncated": sum(result.truncated for result in results),
        "inputs_with_unknown_tokens": sum(bool(result.unknown) for result in results),
        "translation_seconds": round(seconds, 3),
        "examples": [{"input": source, "reference": reference, "output": output}
                     for (source, reference), output in zip(pairs[:examples], outputs)],
    }
    if out_path:
        write_json_atomic(out_path, report)
    return report


def summary(report):
    case = "case-insensitive" if report["lowercase"] else "case-sensitive"
    which = "validation split" if report["split"] == "validation" else "all pairs"
    return (f"BLEU {report['bleu']:.2f}  chrF {report['chrf']:.2f}  exact match "
            f"{report['exact_match']:.2f}% on {report['pairs']} pairs ({which} of "
            f"{os.path.basename(report['data'])}; {case}; {report['model']['level']} level, "
            f"attention {report['model']['attention']}; {_decoding(report['decoding'])})"
            f"\n  inputs truncated: {report['inputs_truncated']}; with unknown tokens: "
            f"{report['inputs_with_unknown_tokens']}" + _buckets(report["by_source_length"]))


def _buckets(by_length):
    """One line per source length bucket that has pairs."""
    return "".join(f"\n  {name} words: BLEU {b['bleu']:.2f}  chrF {b['chrf']:.2f}  exact match "
                   f"{b['exact_match']:.2f}% on {b['pairs']} pairs"
                   for name, b in by_length.items() if b["pairs"])


def _decoding(options):
    """The options that apply to the strategy, as text."""
    shown = {"beam": ("beam_width", "length_penalty", "min_length"),
             "sample": ("temperature", "top_k", "top_p", "seed", "min_length")}
    details = ", ".join(f"{name} {options[name]}" for name in shown.get(options["strategy"], ())
                        if name in options)
    return f"{options['strategy']} ({details})" if details else options["strategy"]
