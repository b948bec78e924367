"""Peak memory of `--stream` training against corpus size: 20,000 against 2,000,000 pairs.

Generates a synthetic anki-format corpus of each size in a temporary folder (never
committed; deleted afterwards), then in a fresh process per size runs what
`python -m train --stream` runs: the streaming preparation (two passes over the file, the
SentencePiece models, the token cache), the default model, and `model.fit` on the cache's
length-bucketed batches for --steps steps, plus --validation-steps of validation. Reported
per size: peak RSS (ru_maxrss), seconds to prepare, milliseconds per training step; and the
ratio of the peak RSS at the largest size to that at the smallest (the goal: <= 1.5).

    python benchmarks/stream_memory.py                      # 20k and 2M pairs, 300 steps
    python benchmarks/stream_memory.py --pairs 20000 --pairs 200000 --steps 100

With --in-memory the same is measured for the in-memory path (train.dataset.prepare) at the
same sizes, for contrast: careful, at 2M pairs it needs several GB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
from results_folder import add_out_argument, result_path  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write_corpus(path, pairs, seed=0):
    """`pairs` lines of 'input<TAB>target': Zipf-distributed made-up words, 3 to 12 a
    sentence, the target a deterministic function of the input (reversed, re-spelled)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = ["".join(rng.choice(letters, rng.integers(2, 9))) for _ in range(5000)]
    foreign = [w[::-1] + "e" for w in words]
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    with open(path, "w", encoding="utf-8") as f:
        for start in range(0, pairs, 100_000):
            count = min(100_000, pairs - start)
            lengths = rng.integers(3, 13, count)
            chosen = rng.choice(len(words), lengths.sum(), p=weights)
            position = 0
            for length in lengths:
                ids = chosen[position:position + length]
                position += length
                f.write(" ".join(words[i] for i in ids).capitalize() + ".\t"
                        + " ".join(foreign[i] for i in ids[::-1]).capitalize() + " !\n")


def child(data, steps, validation_steps, stream):
    """In a fresh process: prepare and train as python -m train does; print JSON figures."""
    started = time.perf_counter()
    from train.batching import steps_per_epoch
    from train.config import make_config
    from train.dataset import load_and_prepare
    from train.model import build_training_model
    from train.pipeline import training_dataset, validation_dataset

    config = make_config("default", data=data, stream=stream, val_fraction=0.01)
    data_ready, _ = load_and_prepare(data, config)
    prepare_seconds = time.perf_counter() - started
    model = build_training_model(config, len(data_ready.source_vocab),
                                 len(data_ready.target_vocab))
    started = time.perf_counter()
    model.fit(training_dataset(data_ready.train, config.batch_size, config.seed, 0),
              validation_data=validation_dataset(data_ready.validation, config.batch_size),
              steps_per_epoch=min(steps, steps_per_epoch(len(data_ready.train),
                                                         config.batch_size)),
              validation_steps=validation_steps, epochs=1, verbose=0)
    fit_seconds = time.perf_counter() - started
    print(json.dumps({
        "pairs_trained_on": len(data_ready.train), "validation_pairs": len(data_ready.validation),
        "prepare_seconds": round(prepare_seconds, 1),
        "ms_per_step": round(1000 * fit_seconds / steps, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


def measure(pairs, steps, validation_steps, stream, folder):
    path = os.path.join(folder, f"synthetic-{pairs}.txt")
    if not os.path.exists(path):
        write_corpus(path, pairs)
    command = [sys.executable, __file__, "--child", path, "--steps", str(steps),
               "--validation-steps", str(validation_steps)] + ([] if stream else ["--in-memory"])
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if result.returncode:
        raise SystemExit(f"the {pairs}-pair run failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {"pairs": pairs, "path": "stream" if stream else "in-memory", **figures}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, action="append", help="corpus sizes")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--validation-steps", type=int, default=20)
    parser.add_argument("--in-memory", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    add_out_argument(parser)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.steps, args.validation_steps, not args.in_memory)
    sizes = sorted(args.pairs or [20_000, 2_000_000])
    rows = []
    with tempfile.TemporaryDirectory(prefix="stream-memory-") as folder:
        for pairs in sizes:
            rows.append(measure(pairs, args.steps, args.validation_steps, not args.in_memory,
                                folder))
            print(json.dumps(rows[-1]), flush=True)
    ratio = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
    print(f"peak RSS {rows[-1]['peak_rss_mib']:.0f} MiB at {sizes[-1]:,} pairs, "
          f"{rows[0]['peak_rss_mib']:.0f} MiB at {sizes[0]:,}: ratio {ratio:.2f}")
    from runtime.atomic import write_json_atomic
    write_json_atomic(result_path(args.out, "stream_memory.json"),
                      {"command": " ".join(sys.argv), "steps": args.steps, "rows": rows,
                       "peak_rss_ratio": round(ratio, 3)})


if __name__ == "__main__":
    main()
