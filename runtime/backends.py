"""An export's graphs as a runtime.greedy.Backend, on CPU or on CUDA.

The decoder state is (state_h, state_c); with attention also (encoder_outputs,
source_lengths): the encoder's per-step outputs and each row's real length, which every step
reads to attend over the input; with a shortlist also (candidate_mask, Candidates): each
row's mask, and the batch's candidate ids with their columns of the output layer, which
every row shares (runtime.shortlist.Candidates: selecting rows returns it unchanged).

Which graph serves what (format 4 exports; versions 2 and 3 have only `decoder`):
    step     decoder_greedy[_shortlist]: next_token and the states, no softmax
    top      decoder_top_k[_shortlist]: the k likeliest tokens' log-probabilities
    outputs  decoder: every output, the probabilities included (sampling, parity checks)
CPU: plain `run` calls fetching only what is used. CUDA: I/O binding keeps the states, the
encoder outputs and a shortlist's mask and candidates on the device between greedy steps,
so only token ids (and the source lengths, and the weights when asked for) cross between
host and device at each step. Untested here: this project's machines have no GPU.
"""

import numpy as np

from onnxruntime import OrtValue

from runtime import manifest as names
from runtime.greedy import Backend
from runtime.vocabulary import fixed_length, source_lengths

_STATES = [names.STATE_H, names.STATE_C]
_STEP_OUTPUTS = [names.NEXT_TOKEN, names.STATE_H_OUT, names.STATE_C_OUT]
_TOP_OUTPUTS = [names.TOP_LOG_PROBABILITIES, names.TOP_IDS, names.STATE_H_OUT, names.STATE_C_OUT]


def _graph(sessions, graph, shortlist):
    """The session of `graph` (with its shortlist variant when asked for), or None."""
    return sessions.get(graph + "_shortlist" if shortlist else graph)


def cpu_backend(sessions, attention=False, shortlist=None, padding=None):
    """sessions: {graph name: InferenceSession}; attention: the graphs have the attention
    inputs and outputs (the manifest says); shortlist: a runtime.shortlist.Shortlist whose
    graphs `step` and `top` then use; padding: (length, pad id) of a fixed-length encoder
    (LoadedExport.encoder_padding), applied to every batch it encodes."""
    encoder, full = sessions["encoder"], sessions["decoder"]
    greedy = _graph(sessions, "decoder_greedy", shortlist) or full  # full: format 2 and 3
    top_k = _graph(sessions, "decoder_top_k", shortlist)
    encode = _encode(encoder, attention, shortlist, padding)
    vocabulary = full.get_outputs()[0].shape[-1]  # probabilities (batch, target vocabulary)

    step_outputs = _STEP_OUTPUTS + [names.ATTENTION_WEIGHTS] * attention
    shortlisted = shortlist is not None

    def step(token, state, weights=False):
        fetched = step_outputs if weights else _STEP_OUTPUTS
        next_token, state_h, state_c, *step_weights = greedy.run(
            fetched, step_feeds(token, state, attention, shortlisted))
        return next_token, (state_h, state_c, *state[2:]), step_weights[0] if weights else None

    def outputs(token, state):
        return tuple(full.run(None, step_feeds(token, state, attention, False)))

    def top(token, state, k, weights=False):
        fed = step_feeds(token, state, attention, shortlisted)
        available = state[-1].count if shortlisted else vocabulary  # TopK: k <= its axis
        fed[names.TOP_K] = np.array([min(k, available)], np.int64)
        fetched = _TOP_OUTPUTS + [names.ATTENTION_WEIGHTS] * weights
        log_p, ids, state_h, state_c, *step_weights = top_k.run(fetched, fed)
        return (ids, log_p.astype(np.float64), (state_h, state_c, *state[2:]),
                step_weights[0] if weights else None)

    return Backend(encode, step, outputs, top if top_k is not None else None)


def step_feeds(token, state, attention, candidates):
    """A decoder step's inputs by name: previous_token, the state's parts (see the module
    docstring) and, when `candidates`, a shortlist's mask and the batch's candidates."""
    fed = {names.PREVIOUS_TOKEN: token, names.STATE_H: state[0], names.STATE_C: state[1]}
    if attention:
        fed[names.ENCODER_OUTPUTS], fed[names.SOURCE_LENGTHS] = state[2], state[3]
    if candidates:
        fed[names.CANDIDATE_MASK] = state[-2]
        fed.update(state[-1].feeds)
    return fed


def _encoder_outputs(attention):
    return _STATES + [names.ENCODER_OUTPUTS] * attention


def _encode(encoder, attention, shortlist, padding):
    encoder_outputs = _encoder_outputs(attention)

    def encode(tokens):
        fed = tokens if padding is None else fixed_length(tokens, *padding)
        state = tuple(encoder.run(encoder_outputs, {names.SOURCE_TOKENS: fed}))
        return state + _extra_state(tokens, attention, shortlist)

    return encode


def _extra_state(tokens, attention, shortlist):
    """The state's parts computed on the host: source lengths, the shortlist's mask and
    candidates."""
    extra = (source_lengths(tokens),) if attention else ()
    if shortlist is not None:
        extra += shortlist.batch(tokens)
    return extra


def cuda_backend(sessions, attention=False, shortlist=None, padding=None):
    """Greedy steps with the states as OrtValues on the GPU; use greedy_decode(...,
    compact=False). `outputs` and `top` are None: run them with a cpu_backend."""
    encoder = sessions["encoder"]
    decoder = _graph(sessions, "decoder_greedy", shortlist) or sessions["decoder"]
    encoder_outputs = _encoder_outputs(attention)

    def encode(tokens):
        binding = encoder.io_binding()
        binding.bind_cpu_input(names.SOURCE_TOKENS, tokens if padding is None
                               else fixed_length(tokens, *padding))
        for name in encoder_outputs:
            binding.bind_output(name, "cuda")
        encoder.run_with_iobinding(binding)
        state = tuple(binding.get_outputs()) + _extra_state(tokens, attention, shortlist)
        if shortlist is None:
            return state
        # Rows never leave a CUDA batch (no compaction): the mask and the candidates' part of
        # the output layer are copied to the device once per batch, not at every step.
        mask, candidates = state[-2:]
        on_device = {name: OrtValue.ortvalue_from_numpy(array, "cuda", 0)
                     for name, array in {names.CANDIDATE_MASK: mask, **candidates.feeds}.items()}
        return state[:-2] + (on_device,)

    def step(token, state, weights=False):
        binding = decoder.io_binding()
        binding.bind_cpu_input(names.PREVIOUS_TOKEN, token)
        binding.bind_ortvalue_input(names.STATE_H, state[0])
        binding.bind_ortvalue_input(names.STATE_C, state[1])
        if attention:
            binding.bind_ortvalue_input(names.ENCODER_OUTPUTS, state[2])
            binding.bind_cpu_input(names.SOURCE_LENGTHS, state[3])
        if shortlist is not None:  # the mask and candidates, already on the device
            for name, value in state[-1].items():
                binding.bind_ortvalue_input(name, value)
        for name in _STEP_OUTPUTS + [names.ATTENTION_WEIGHTS] * weights:
            on_host = name in (names.NEXT_TOKEN, names.ATTENTION_WEIGHTS)
            binding.bind_output(name, "cpu" if on_host else "cuda")
        decoder.run_with_iobinding(binding)
        next_token, new_h, new_c, *step_weights = binding.get_outputs()
        return (next_token.numpy(), (new_h, new_c, *state[2:]),
                step_weights[0].numpy() if weights else None)

    return Backend(encode, step, None)
