"""The three proofs an export must pass before it is published; results go to parity.json.

1. Each graph's inputs and outputs match the manifest (names, dtypes, shapes).
2. Each graph against its Keras model on random and real inputs, batch sizes 1, 7 and 64,
   input lengths 1, typical and longer than any training input: every element must satisfy
   |ONNX - Keras| <= TOLERANCE + RELATIVE_TOLERANCE * |Keras| (the cell state c grows with
   the input's length, and float32 rounding with it). Reported: max |difference| per output.
   Also: a padded batch encodes each row exactly as that row alone, and the lean step
   graphs give what the full one gives: the greedy graph the same next_token (exactly) and
   states, the top-k graph 5 ids whose probabilities in the full graph are its 5 largest,
   in order (exact ties in either order), with the log of their probabilities.
3. Greedy decoding of validation sentences with the Keras models and with onnxruntime (the
   runtime's greedy graph) gives
   identical outputs; a difference is reported with its sentence and first differing step.
"""

import numpy as np

from runtime.greedy import greedy_decode
from runtime.vocabulary import RESERVED, pad_sequences

TOLERANCE = 1e-5            # absolute
RELATIVE_TOLERANCE = 1e-4   # of |Keras's value|
DEFAULT_SENTENCES = 200
DEFAULT_SCRIPT_SENTENCES = 50  # imports: the script's decode_sequence, ~1 s a sentence
BATCH_SIZES = (1, 7, 64)
SHOWN_DIFFERENCES = 20


LEAN_CHECKS = {"decoder_greedy": ("next_token", "state_h_out", "state_c_out"),
               "decoder_top_k": ("top_ids", "top_log_probabilities", "state_h_out", "state_c_out")}
TOP_K_CHECKED = 5


def numeric_parity(keras, onnx, io, real_sources, vocab_sizes, max_source_length, seed=0,
                   longest=None):
    """Proof 2. io: the manifest's graph_io; vocab_sizes: (source, target); longest: the
    longest random rows (default max_source_length + 5; a fixed-length model's runtime
    refuses rows longer than its length). -> {"encoder":
    {output: max diff}, "decoder": {...}, "excess": {"encoder": {output: max of |diff| -
    RELATIVE_TOLERANCE * |Keras|}, ...} (passes when <= TOLERANCE), "batch_invariance": max
    diff, "cases": [description of each case]}. Each batch size runs random rows whose longest is 1, typical and longer
    than any training input, and real validation rows."""
    rng = np.random.default_rng(seed)
    typical = int(np.median([len(s) for s in real_sources]))
    checked = {"encoder": [s.name for s in io["encoder"]["outputs"]],
               "decoder": [s.name for s in io["decoder"]["outputs"]],
               **({graph: LEAN_CHECKS[graph] for graph in LEAN_CHECKS if graph in io})}
    worst = {graph: {name: 0.0 for name in outputs} for graph, outputs in checked.items()}
    # max over elements of |difference| - RELATIVE_TOLERANCE * |Keras|: must be <= TOLERANCE
    excess = {graph: {name: -np.inf for name in outputs} for graph, outputs in checked.items()}
    invariance, cases = 0.0, []
    for batch in BATCH_SIZES:
        batches = [(f"random, longest {length}", _random_rows(rng, batch, length, vocab_sizes[0]))
                   for length in (1, typical, longest or max_source_length + 5)]
        batches.append(("real", [real_sources[i] for i in rng.integers(0, len(real_sources), batch)]))
        for kind, rows in batches:
            tokens = pad_sequences(rows)
            states = onnx.encode(tokens)
            _compare(worst["encoder"], excess["encoder"], keras.encode(tokens), states)
            _check_decoder(worst, excess, keras.outputs, onnx, states, vocab_sizes[1], rng)
            invariance = max(invariance, _batch_invariance(onnx.encode, rows, states))
            cases.append(f"batch {batch}, {kind}: source lengths {min(map(len, rows))}-"
                         f"{max(map(len, rows))}")
    return {**worst, "excess": excess, "batch_invariance": invariance, "cases": cases}


def _random_rows(rng, batch, length, vocab_size):
    """`batch` rows of random non-reserved ids; the first is `length` long, the rest 1..length."""
    lengths = [length, *rng.integers(1, length + 1, batch - 1)]
    return [rng.integers(len(RESERVED), vocab_size, n).astype(np.int32) for n in lengths]


def _check_decoder(worst, excess, keras_outputs, onnx, state, target_vocab_size, rng):
    """The step on the encoder's state and on random (h, c) with the encoder's outputs (when
    there is attention), with random previous tokens: the full graph against Keras, and the
    lean graphs (greedy, top-k) against the full graph, which must pick the same tokens."""
    batch, size = state[0].shape
    random_h, random_c = rng.normal(0, 0.5, (2, batch, size)).astype(np.float32)
    for tried in (state, (random_h, random_c, *state[2:])):
        token = rng.integers(0, target_vocab_size, batch).astype(np.int32)
        full = onnx.outputs(token, tried)
        _compare(worst["decoder"], excess["decoder"], keras_outputs(token, tried), full)
        if "decoder_greedy" in worst:
            next_token, (state_h, state_c, *_), _ = onnx.step(token, tried)
            _compare(worst["decoder_greedy"], excess["decoder_greedy"],
                     (full[3], full[1], full[2]), (next_token, state_h, state_c))
        if "decoder_top_k" in worst:
            _check_top_k(worst["decoder_top_k"], excess["decoder_top_k"], onnx, token, tried, full)


def _check_top_k(worst, excess, onnx, token, state, full):
    """The top-k graph's ids and log-probabilities against the full graph's probabilities.
    The ids must be the k likeliest: the full graph's probabilities of the ids returned must
    be its k largest, in order (tokens of exactly equal probability may come in any order)."""
    k = min(TOP_K_CHECKED, full[0].shape[1])
    ids, log_p, (state_h, state_c, *_), _ = onnx.top(token, state, k)
    largest = -np.sort(-full[0], axis=1)[:, :k]  # (batch, k), descending
    chosen = np.take_along_axis(full[0], ids.astype(np.int64), 1)  # (batch, k)
    _compare(worst, excess, (largest, np.log(chosen.astype(np.float64)), full[1], full[2]),
             (chosen, log_p, state_h, state_c))


def _compare(worst, excess, expected, actual):
    """Raise worst[output] to this case's max |difference| and excess[output] to its max
    |difference| - RELATIVE_TOLERANCE * |expected|: both infinite where the shapes differ (no
    broadcasting), any difference is not finite (NaN would otherwise vanish in max), or an
    integer output (next_token) differs at all."""
    for name, a, b in zip(list(worst), expected, actual):
        integer = np.asarray(a).dtype.kind in "iu"  # token ids: equal, or wrong
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape or not np.isfinite(a - b).all() or (integer and (a != b).any()):
            worst[name] = excess[name] = float("inf")
            continue
        difference = np.abs(a - b)
        worst[name] = max(worst[name], float(difference.max(initial=0.0)))
        beyond = difference - (0.0 if integer else RELATIVE_TOLERANCE) * np.abs(a)
        excess[name] = max(excess[name], float(beyond.max(initial=-np.inf)))


def _batch_invariance(onnx_encode, rows, batched_state):
    """Largest difference between a row encoded in the padded batch and encoded alone (the
    encoder outputs of the batch past the row's length must be 0, as they are alone)."""
    worst = 0.0
    for i, row in enumerate(rows[:8]):  # a few rows suffice; each costs one session call
        alone = onnx_encode(pad_sequences([row]))
        for batched, single in zip(batched_state, alone):
            single = single[0].astype(np.float64)
            if single.ndim == 2:  # encoder outputs (source_len, units): pad to the batch's width
                single = np.pad(single, [(0, batched.shape[1] - single.shape[0]), (0, 0)])
            difference = np.abs(batched[i] - single)
            worst = max(worst, float(difference.max()) if np.isfinite(difference).all() else float("inf"))
    return worst


def sentence_parity(keras, onnx, sources, texts, max_length, batch_size=64):
    """Proof 3: greedy outputs, sentence by sentence."""
    differences, identical = [], 0
    for start in range(0, len(sources), batch_size):
        tokens = pad_sequences(sources[start:start + batch_size])
        expected = greedy_decode(keras, tokens, max_length)
        actual = greedy_decode(onnx, tokens, max_length)
        for offset, (a, b) in enumerate(zip(expected, actual)):
            if a == b:
                identical += 1
            elif len(differences) < SHOWN_DIFFERENCES:
                step = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                differences.append({"input": texts[start + offset], "keras_ids": a,
                                    "onnx_ids": b, "first_differing_step": step})
    return {"sentences": len(sources), "identical": identical, "differences": differences}


def failures(report):
    """Every failed proof in a parity report, as sentences."""
    found = list(report["io"])
    numeric = report["numeric"]
    for graph, excess in numeric["excess"].items():
        for output, beyond in excess.items():
            if beyond > TOLERANCE:
                found.append(f"{graph} output {output}: max |difference| "
                             f"{numeric[graph][output]:.2e} exceeds {TOLERANCE:.0e} + "
                             f"{RELATIVE_TOLERANCE:.0e} x |Keras| (by up to "
                             f"{beyond - TOLERANCE:.2e})")
    if report["numeric"]["batch_invariance"] > TOLERANCE:
        found.append(f"a padded batch encodes rows differently from each row alone "
                     f"(max {report['numeric']['batch_invariance']:.2e})")
    sentences = report["sentences"]
    for difference in sentences["differences"]:
        found.append(f"sentence {difference['input']!r} decodes differently from step "
                     f"{difference['first_differing_step']}")
    if sentences["sentences"] - sentences["identical"] > len(sentences["differences"]):
        found.append(f"{sentences['sentences'] - sentences['identical']} sentences differ in all "
                     f"(the first {len(sentences['differences'])} are listed)")
    return found


def summary(report):
    numeric = report["numeric"]
    worst = max(max(numeric["encoder"].values()), max(numeric["decoder"].values()))
    lean = max((v for g in LEAN_CHECKS for v in numeric.get(g, {}).values()), default=0.0)
    sentences = report["sentences"]
    return (f"parity: inputs/outputs {'match' if not report['io'] else 'DIFFER'}; "
            f"max |ONNX - Keras| {worst:.1e} over {len(numeric['cases'])} cases (tolerance "
            f"{report['tolerance']:.0e} + {report['relative_tolerance']:.0e} x |Keras|); "
            f"lean graphs vs full {lean:.1e}; batch vs alone {numeric['batch_invariance']:.1e}; "
            f"{sentences['identical']}/{sentences['sentences']} validation sentences decode "
            f"identically")
