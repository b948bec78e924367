"""Decoding speed of a model the keras-io script trained: the script's own decode_sequence
(one Keras `predict` per step, batch 1, as the tutorial runs it) against the runtime on its
import, on the same sentences, in one process. The outputs are compared too.

    python benchmarks/seed_decode.py --model runs/keras-io-script-100/s2s_model.keras \
        --export exports/keras-io-script-100 --sentences 100

The sentences are spread evenly over the pairs the script read (its first ones are all
"Go."-short). The runtime runs with 1 onnxruntime thread; Keras with TensorFlow's defaults
(every core). Results: seed_decode.json in --out DIR (default: a scratch folder).
"""

import argparse
import json
import os
import platform
import sys
import time
from results_folder import add_out_argument, result_path  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))



def spread(items, count):
    step = max(1, len(items) // count)
    return items[::step][:count]


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="the script's s2s_model.keras")
    parser.add_argument("--export", required=True, help="its import (python -m export ... "
                                                        "--recipe keras-io)")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "shared", "data", "fra-eng", "fra.txt"))
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--sentences", type=int, default=100)
    add_out_argument(parser)
    args = parser.parse_args(argv)

    import keras

    from benchmarks.seed_scripts import KerasIoData, ScriptDecoder
    from runtime import Translator
    from runtime.atomic import write_json_atomic

    data = KerasIoData(args.data, args.num_samples)
    texts = spread(data.input_texts, args.sentences)
    decoder = ScriptDecoder(keras, keras.saving.load_model(args.model), data)
    decoder.decode_sequence(data.encoder_input(texts[:1]))  # Keras builds its predict functions
    script, script_seconds = timed(lambda: [decoder.output_text(decoder.decode_sequence(
        data.encoder_input([text]))) for text in texts])
    translator = Translator.load(args.export)
    translator.translate_batch(texts[:8])  # warm-up
    one_by_one, one_seconds = timed(lambda: [translator.translate(text) for text in texts])
    repeats = 20  # the batched pass is too quick to time once
    batched, batched_seconds = timed(lambda: [translator.translate_batch(texts, batch_size=64)
                                              for _ in range(repeats)])
    per_sentence = {"script_decode_sequence": script_seconds / len(texts),
                    "runtime_batch_1": one_seconds / len(texts),
                    "runtime_batch_64": batched_seconds / repeats / len(texts)}
    report = {
        "model": os.path.abspath(args.model), "export": os.path.abspath(args.export),
        "sentences": len(texts), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "identical_outputs": {"batch_1": sum(a == b for a, b in zip(script, one_by_one)),
                              "batch_64": sum(a == b for a, b in zip(script, batched[0]))},
        "mean_output_characters": sum(map(len, script)) / len(script),
        "seconds_per_sentence": per_sentence,
        "speedup": {"batch_1": per_sentence["script_decode_sequence"] / per_sentence["runtime_batch_1"],
                    "batch_64": per_sentence["script_decode_sequence"] / per_sentence["runtime_batch_64"]},
        "command": "python benchmarks/seed_decode.py " + " ".join(argv or sys.argv[1:]),
    }
    write_json_atomic(result_path(args.out, "seed_decode.json"), report)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
