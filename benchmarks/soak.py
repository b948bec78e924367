"""Soak: many translations through one Translator; does resident memory keep growing?

    python benchmarks/soak.py exports/default --translations 100000

Memory is the process's VmRSS, sampled after a warm-up and then every --every translations.
Growth = last sample - first sample (goal: < 5 MB). Inputs cycle through varied sentences
(lengths, unknown words, empty lines) in batches of mixed sizes.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runtime import Translator  # noqa: E402
from results_folder import add_out_argument, result_path  # noqa: E402


SENTENCES = ["How are you?", "I love you.", "Where is the station?", "zzqx blorf!", "",
             "The cat is sleeping on the red chair in the kitchen.", "Hi.", "   ",
             "Tom didn't want to go to school today because it was raining."]


def rss_mib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def soak(export_dir, translations, warmup=2000, every=5000):
    """-> {"translations", "warmup", "rss_mib": [(done, MiB)], "growth_mib", "seconds"}."""
    translator = Translator.load(export_dir)
    done, samples, started, batch_sizes = 0, [], time.perf_counter(), (1, 7, 32)
    while done < translations:
        size = min(batch_sizes[(done // 7) % len(batch_sizes)], translations - done)
        texts = [SENTENCES[(done + i) % len(SENTENCES)] for i in range(size)]
        translator.translate_batch(texts)
        done += size
        if done >= warmup and (not samples or done - samples[-1][0] >= every or done == translations):
            samples.append((done, rss_mib()))
    return {"translations": done, "warmup": warmup, "rss_mib": samples,
            "growth_mib": samples[-1][1] - samples[0][1],
            "seconds": time.perf_counter() - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_out_argument(parser)
    parser.add_argument("export_dir")
    parser.add_argument("--translations", type=int, default=100_000)
    args = parser.parse_args()
    result = soak(args.export_dir, args.translations)
    result["command"] = "python " + " ".join(sys.argv)
    with open(result_path(args.out, "soak.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))
    print(f"RSS growth after warm-up: {result['growth_mib']:.2f} MiB over "
          f"{result['translations']} translations ({result['seconds']:.0f} s)")
    return 0 if result["growth_mib"] < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
