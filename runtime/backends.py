"""The two graphs as a runtime.greedy.Backend, on CPU or on CUDA.

CPU: plain `run` calls; only next_token and the states are fetched (never the
probabilities). CUDA: I/O binding keeps the states on the device between steps, so only the
token ids cross to the host, in (previous_token) and out (next_token). Untested here: this
project's machines have no GPU.
"""

from runtime import manifest as names
from runtime.greedy import Backend

_STEP_OUTPUTS = [names.NEXT_TOKEN, names.STATE_H_OUT, names.STATE_C_OUT]


def cpu_backend(encoder, decoder):
    def encode(tokens):
        return tuple(encoder.run(None, {names.SOURCE_TOKENS: tokens}))

    def feeds(token, state_h, state_c):
        return {names.PREVIOUS_TOKEN: token, names.STATE_H: state_h, names.STATE_C: state_c}

    def step(token, state_h, state_c):
        return tuple(decoder.run(_STEP_OUTPUTS, feeds(token, state_h, state_c)))

    def outputs(token, state_h, state_c):
        return tuple(decoder.run(None, feeds(token, state_h, state_c)))

    return Backend(encode, step, outputs)


def cuda_backend(encoder, decoder):
    """States are OrtValues on the GPU; use greedy_decode(..., compact=False)."""
    def encode(tokens):
        binding = encoder.io_binding()
        binding.bind_cpu_input(names.SOURCE_TOKENS, tokens)
        binding.bind_output(names.STATE_H, "cuda")
        binding.bind_output(names.STATE_C, "cuda")
        encoder.run_with_iobinding(binding)
        state_h, state_c = binding.get_outputs()
        return state_h, state_c

    def step(token, state_h, state_c):
        binding = decoder.io_binding()
        binding.bind_cpu_input(names.PREVIOUS_TOKEN, token)
        binding.bind_ortvalue_input(names.STATE_H, state_h)
        binding.bind_ortvalue_input(names.STATE_C, state_c)
        binding.bind_output(names.NEXT_TOKEN, "cpu")
        binding.bind_output(names.STATE_H_OUT, "cuda")
        binding.bind_output(names.STATE_C_OUT, "cuda")
        decoder.run_with_iobinding(binding)
        next_token, new_h, new_c = binding.get_outputs()
        return next_token.numpy(), new_h, new_c

    return Backend(encode, step, None)
