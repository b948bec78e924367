"""Which onnxruntime session settings should the runtime default to? Wall time and CPU time
per sentence for thread counts and intra-op spinning, on one export, in one process.

    python benchmarks/runtime_settings.py EXPORT_DIR [--sentences 200]

CPU time above wall time means cores busy beyond the work itself: what spinning costs a
service that shares its machine.
"""

import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runtime import Translator  # noqa: E402
from runtime.manifest import MANIFEST_FILE  # noqa: E402


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(translator, texts, batch_size):
    translator.translate_batch(texts[:8], batch_size=batch_size)  # warm-up
    wall, cpu = time.perf_counter(), cpu_seconds()
    translator.translate_batch(texts, batch_size=batch_size)
    return ((time.perf_counter() - wall) / len(texts) * 1e3, (cpu_seconds() - cpu) / len(texts) * 1e3)


def sweep(export_dir, texts):
    """[(threads, spinning, batch, wall ms/sentence, CPU ms/sentence)] for each setting."""
    rows = []
    for threads in (1, 2):
        for spinning in (False, True):
            translator = Translator.load(export_dir, threads=threads, spinning=spinning)
            for batch_size in (1, 32):
                wall, cpu = measure(translator, texts, batch_size)
                rows.append((threads, spinning, batch_size, wall, cpu))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir")
    parser.add_argument("--sentences", type=int, default=200)
    args = parser.parse_args()
    with open(os.path.join(args.export_dir, MANIFEST_FILE)) as f:
        data_path = json.load(f)["training"]["data"]["path"]
    with open(data_path, encoding="utf-8") as f:
        texts = [line.split("\t")[0] for _, line in zip(range(args.sentences), f)]
    rows = sweep(args.export_dir, texts)
    print("| threads | spinning | batch | wall ms/sentence | CPU ms/sentence | CPU / wall |")
    print("|---|---|---|---|---|---|")
    for threads, spinning, batch_size, wall, cpu in rows:
        print(f"| {threads} | {'on' if spinning else 'off'} | {batch_size} | {wall:.2f} | "
              f"{cpu:.2f} | {cpu / wall:.2f} |")


if __name__ == "__main__":
    main()
