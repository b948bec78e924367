"""The greedy loop's own cost, and whether I/O binding would cut the per-call cost on CPU.

    python benchmarks/loop_cost.py exports/int8

1. runtime.greedy.greedy_decode over a backend that does nothing (10 steps, no row ends):
   microseconds per step of the loop itself, at batch 1 and 64.
2. One greedy step of the export's decoder_greedy graph: a plain `session.run` against
   `run_with_iobinding`, with the outputs bound to preallocated buffers and the inputs
   rebound at every step (double buffers for the states, as a loop would need).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from runtime import Translator  # noqa: E402
from runtime import manifest as names  # noqa: E402
from runtime.greedy import Backend, greedy_decode  # noqa: E402

REPEATS = 500


def per_call(function, repeats=REPEATS):
    for _ in range(repeats // 10):
        function()
    started = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - started) / repeats * 1e6


def loop_us_per_step(batch, steps=10, state_size=256):
    zeros = np.zeros((batch, state_size), np.float32)
    backend = Backend(lambda tokens: (zeros[:len(tokens)], zeros[:len(tokens)]),
                      lambda token, state, weights=False: (np.full(len(token), 5, np.int32),
                                                           state, None), None)
    tokens = np.ones((batch, 6), np.int32)
    return per_call(lambda: greedy_decode(backend, tokens, steps)) / steps


def session_us(session, batch, state_size):
    """(plain run, I/O binding with preallocated outputs) microseconds per step."""
    token = np.full(batch, 5, np.int32)
    buffers = [[np.zeros((batch, state_size), np.float32) for _ in "hc"] for _ in range(2)]
    next_token = np.empty(batch, np.int32)
    feeds = {names.PREVIOUS_TOKEN: token, names.STATE_H: buffers[0][0],
             names.STATE_C: buffers[0][1]}
    fetched = [names.NEXT_TOKEN, names.STATE_H_OUT, names.STATE_C_OUT]
    plain = per_call(lambda: session.run(fetched, feeds))
    step = [0]

    def bound():
        source, target = buffers[step[0] % 2], buffers[(step[0] + 1) % 2]
        binding = session.io_binding()
        binding.bind_cpu_input(names.PREVIOUS_TOKEN, token)
        binding.bind_cpu_input(names.STATE_H, source[0])
        binding.bind_cpu_input(names.STATE_C, source[1])
        for name, array in zip(fetched, (next_token, *target)):
            binding.bind_output(name, "cpu", 0, array.dtype, list(array.shape),
                                array.ctypes.data)
        session.run_with_iobinding(binding)
        step[0] += 1
    return plain, per_call(bound)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="an export of format 4 without attention")
    args = parser.parse_args(argv)
    translator = Translator.load(args.export)
    size = translator.manifest.model["state_size"]
    for batch in (1, 64):
        plain, bound = session_us(translator.sessions["decoder_greedy"], batch, size)
        print(f"batch {batch:2d}: loop {loop_us_per_step(batch):.1f} us/step; decoder_greedy "
              f"run {plain:.1f} us, I/O binding {bound:.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
