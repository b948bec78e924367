"""The two graphs as a runtime.greedy.Backend, on CPU or on CUDA.

The decoder state is (state_h, state_c), and with attention also (encoder_outputs,
source_lengths): the encoder's per-step outputs and each row's real length, which every
step reads to attend over the input. Whether there is attention is read from the manifest.

CPU: plain `run` calls; only next_token and the states are fetched (and the attention
weights when asked for), never the probabilities. CUDA: I/O binding keeps the states and the
encoder outputs on the device between steps, so only the token ids (and the source lengths,
and the weights when asked for) cross between host and device. Untested here: this
project's machines have no GPU.
"""

from runtime import manifest as names
from runtime.greedy import Backend
from runtime.vocabulary import source_lengths

_STATES = [names.STATE_H, names.STATE_C]
_STEP_OUTPUTS = [names.NEXT_TOKEN, names.STATE_H_OUT, names.STATE_C_OUT]
_DECODER_INPUTS = [names.PREVIOUS_TOKEN, names.STATE_H, names.STATE_C, names.ENCODER_OUTPUTS,
                   names.SOURCE_LENGTHS]  # the state's parts in order; zip stops at its end


def _encoder_outputs(attention):
    return _STATES + [names.ENCODER_OUTPUTS] * attention


def cpu_backend(encoder, decoder, attention=False):
    """attention: the graphs have the attention inputs and outputs (the manifest says)."""
    encoder_outputs = _encoder_outputs(attention)

    def encode(tokens):
        state = tuple(encoder.run(encoder_outputs, {names.SOURCE_TOKENS: tokens}))
        return state + (source_lengths(tokens),) if attention else state

    def step(token, state, weights=False):
        fetched = _STEP_OUTPUTS + [names.ATTENTION_WEIGHTS] * weights
        next_token, state_h, state_c, *step_weights = decoder.run(fetched, _feeds(token, state))
        return next_token, (state_h, state_c, *state[2:]), step_weights[0] if weights else None

    def outputs(token, state):
        return tuple(decoder.run(None, _feeds(token, state)))

    return Backend(encode, step, outputs)


def _feeds(token, state):
    return dict(zip(_DECODER_INPUTS, (token, *state)))


def cuda_backend(encoder, decoder, attention=False):
    """States are OrtValues on the GPU; use greedy_decode(..., compact=False)."""
    encoder_outputs = _encoder_outputs(attention)

    def encode(tokens):
        binding = encoder.io_binding()
        binding.bind_cpu_input(names.SOURCE_TOKENS, tokens)
        for name in encoder_outputs:
            binding.bind_output(name, "cuda")
        encoder.run_with_iobinding(binding)
        state = tuple(binding.get_outputs())
        return state + (source_lengths(tokens),) if attention else state

    def step(token, state, weights=False):
        binding = decoder.io_binding()
        binding.bind_cpu_input(names.PREVIOUS_TOKEN, token)
        binding.bind_ortvalue_input(names.STATE_H, state[0])
        binding.bind_ortvalue_input(names.STATE_C, state[1])
        if attention:
            binding.bind_ortvalue_input(names.ENCODER_OUTPUTS, state[2])
            binding.bind_cpu_input(names.SOURCE_LENGTHS, state[3])
        for name in _STEP_OUTPUTS + [names.ATTENTION_WEIGHTS] * weights:
            on_host = name in (names.NEXT_TOKEN, names.ATTENTION_WEIGHTS)
            binding.bind_output(name, "cpu" if on_host else "cuda")
        decoder.run_with_iobinding(binding)
        next_token, new_h, new_c, *step_weights = binding.get_outputs()
        return (next_token.numpy(), (new_h, new_c, *state[2:]),
                step_weights[0].numpy() if weights else None)

    return Backend(encode, step, None)
