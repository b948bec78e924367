"""Decoding speed per sentence of two exports on the same sentences, side by side in one
process: the new default model against the old one (or any two exports).

    python benchmarks/default_decode.py --new exports/default --old exports/word-default-old

Both translate the same English sentences: --sentences inputs spread evenly over the new
export's validation split (drawn at random from all of fra.txt), greedy, through the
runtime's Translator (CPU, one thread, its default settings). Batch 1 (one sentence a
call) and batch 64 (translate_batch) are timed in alternating rounds, so both see the same
machine; the figure is the median over rounds of the time per sentence. Each export also
reports its mean input and output lengths in tokens, where a difference in speed comes
from. Results: default_decode.json in --out DIR.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
from runtime.atomic import write_json_atomic  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402
BATCH = 64


def sentences(export_dir, count):
    from s2s_evaluate.pairs import evaluation_pairs
    from runtime.export_dir import load_export

    pairs, _ = evaluation_pairs(load_export(export_dir))
    step = max(1, len(pairs) // count)  # spread over the split, which keeps the file's
    return [source for source, _ in pairs[::step][:count]]  # short-to-long order


def per_sentence_ms(translator, texts, batch):
    started = time.perf_counter()
    if batch == 1:
        for text in texts:
            translator.translate(text)
    else:
        translator.translate_batch(texts, batch_size=batch)
    return 1000 * (time.perf_counter() - started) / len(texts)


def lengths(translator, texts):
    results = translator.translate_detailed(texts)
    return {"mean_input_tokens": round(statistics.mean(len(r.source_tokens) for r in results), 2),
            "mean_output_tokens": round(statistics.mean(len(r.tokens) for r in results), 2),
            "truncated": sum(r.truncated for r in results),
            "with_unknown": sum(bool(r.unknown) for r in results)}


def main():
    from runtime.translator import Translator

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])

    add_out_argument(parser)
    parser.add_argument("--new", default="exports/default")
    parser.add_argument("--old", default="exports/word-default-old")
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = sentences(args.new, args.sentences)
    translators = {"new": Translator.load(args.new), "old": Translator.load(args.old)}
    for translator in translators.values():  # warm-up
        translator.translate_batch(texts[:BATCH])
    timings = {(name, batch): [] for name in translators for batch in (1, BATCH)}
    for _ in range(args.rounds):
        for batch in (1, BATCH):
            for name, translator in translators.items():
                timings[name, batch].append(per_sentence_ms(translator, texts, batch))
    report = {"command": "python " + " ".join(sys.argv), "sentences": len(texts),
              "rounds": args.rounds, "exports": {}}
    for name, translator in translators.items():
        report["exports"][name] = {
            "folder": os.path.abspath(getattr(args, name)),
            "level": translator.manifest.tokenization["level"],
            "attention": translator.manifest.attention,
            **{f"batch_{b}_ms_per_sentence": round(statistics.median(timings[name, b]), 4)
               for b in (1, BATCH)},
            **lengths(translator, texts)}
    new, old = report["exports"]["new"], report["exports"]["old"]
    report["new_over_old_time"] = {f"batch_{b}": round(new[f"batch_{b}_ms_per_sentence"] /
                                                      old[f"batch_{b}_ms_per_sentence"], 3)
                                   for b in (1, BATCH)}
    write_json_atomic(result_path(args.out, "default_decode.json"), report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
