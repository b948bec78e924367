"""Beam search and sampling over the one-step decoder, batched across inputs.

Beam search uses a Backend's `top`: each row's k likeliest tokens and their log-probabilities
(the top-k graph; on the host from the full step's probabilities when there is none).
Sampling uses its `outputs`: every decoder output in the manifest's order (probabilities,
state_h_out, state_c_out, next_token[, weights]).
Beam search keeps `width` hypotheses per input; each step extends every live hypothesis by
every token, keeps the `width` best continuations of each input and reorders the decoder
state rows (h, c, and the encoder outputs and lengths with attention) to follow them. A
continuation that ends with <end> among the best `width` is finished; an input is done when
it has `width` finished hypotheses (or at max_length, where live ones finish unended). With
width 1 this is exactly greedy decoding (tested).
"""

import dataclasses

import numpy as np

from runtime.vocabulary import END_ID, START_ID

SMALLEST = np.finfo(np.float64).tiny  # log(0) would be -inf: 0 becomes this instead


@dataclasses.dataclass(frozen=True)
class Hypothesis:
    ids: tuple            # output ids, without <start> and <end>
    token_scores: tuple   # log-probability of each id, then of <end> when `ended` (or None)
    ended: bool           # False: cut at max_length
    attention: object = dataclasses.field(default=None, compare=False)  # (steps, source_len)

    @property
    def score(self):
        """The hypothesis' log-probability: the sum of its step log-probabilities (None
        when they were not computed: greedy decoding without scores)."""
        return None if self.token_scores is None else float(sum(self.token_scores))

    def ranked(self, length_penalty):
        """GNMT: score / ((5 + length) / 6) ** alpha, length counting <end>."""
        return self.score / ((5 + len(self.token_scores)) / 6) ** length_penalty

    def rank_key(self, length_penalty):
        """Sort key, best first: ended hypotheses before those cut at max_length (whose
        score lacks the <end> they never reached), then by the length-penalised score."""
        return (not self.ended, -self.ranked(length_penalty))


def beam_search(backend, encoder_tokens, options, max_length, attention=False):
    """-> per input row, options.n_best Hypothesis, best first (by the length penalty)."""
    count = len(encoder_tokens)
    if count == 0:  # onnxruntime's LSTM aborts the whole process on a batch of size 0
        return []
    search = BeamSearch(count, options, max_length, encoder_tokens.shape[1], attention)
    state = tuple(part.repeat(search.width, axis=0) for part in backend.encode(encoder_tokens))
    top = backend.top or top_on_host(backend)
    while not search.done:
        tokens, log_p, state, step_weights = top(search.previous_tokens(), state,
                                                 search.width + 1, attention)
        kept = search.advance(tokens, log_p, step_weights)
        state = tuple(part[kept] for part in state)
    return search.results()


class BeamSearch:
    """The search of `count` inputs with the same options, one step at a time: beam_search
    runs one for a whole batch, runtime.scheduler one per request, so both pick the same
    hypotheses. Its rows are inputs x width, input by input, in the order `advance` keeps."""

    def __init__(self, count, options, max_length, source_length, attention):
        self.options, self.max_length, self.width = options, max_length, options.beam_width
        self.source_length = source_length  # width of the attention weights kept
        self.live = _Beams(count, self.width, source_length, attention)
        self.finished = [[] for _ in range(count)]
        self.step = 0

    @property
    def rows(self):
        return len(self.live.inputs) * self.width

    @property
    def done(self):
        return not len(self.live.inputs) or self.step == self.max_length

    def previous_tokens(self):
        """(rows,) int32: each row's last token, the next step's input."""
        if not self.step:
            return np.full(self.rows, START_ID, dtype=np.int32)
        return self.live.ids[:, :, -1].reshape(-1).astype(np.int32)

    def advance(self, tokens, log_p, step_weights):
        """tokens, log_p (rows, >= width + 1): each row's likeliest next tokens, best first;
        step_weights (rows, >= source_length) or None. -> (kept rows,) int64: which rows of
        this step's state the next step continues from, in order."""
        width = self.width
        tokens, log_p = tokens[:, :width + 1], log_p[:, :width + 1]
        if self.step < self.options.min_length:  # no <end> yet
            log_p = np.where(tokens == END_ID, -np.inf, log_p)
        live = self.live
        total = (live.scores.reshape(-1, 1) + log_p).reshape(len(live.inputs), -1)
        origin, chosen, picked, ended = _select(total, tokens, log_p, width)
        for row, slot, end_score in ended:
            self.finished[live.inputs[row]].append(live.hypothesis(row, slot, end_score))
        flat = (np.arange(len(live.inputs))[:, None] * width + origin).reshape(-1)
        live.extend(origin, chosen, picked, None if step_weights is None
                    else step_weights[flat, :self.source_length])
        rows = np.flatnonzero([len(self.finished[i]) < width for i in live.inputs]
                              & np.isfinite(live.scores).any(axis=1))
        self.step += 1
        if len(rows) < len(live.inputs):
            live.keep(rows)
            flat = flat[(rows[:, None] * width + np.arange(width)).reshape(-1)]
        return flat

    def results(self):
        """-> per input, options.n_best Hypothesis, best first; unended live hypotheses
        (max_length reached) count too."""
        for row, input_row in enumerate(self.live.inputs):
            for slot in np.flatnonzero(np.isfinite(self.live.scores[row])):
                self.finished[input_row].append(self.live.hypothesis(row, slot, None))
        self.live.keep(np.zeros(0, np.int64))
        return [sorted(found, key=lambda h: h.rank_key(self.options.length_penalty))
                [:self.options.n_best] for found in self.finished]


class _Beams:
    """The live hypotheses of the inputs still searching, `width` slots each."""

    def __init__(self, count, width, source_length, attention):
        self.attention = attention
        self.inputs = np.arange(count)                    # input row of each searching row
        self.scores = np.full((count, width), -np.inf)    # (rows, width) log-probabilities
        self.scores[:, 0] = 0.0                           # one live hypothesis to start from
        self.ids = np.zeros((count, width, 0), np.int64)  # (rows, width, steps)
        self.steps = np.zeros((count, width, 0))          # each id's log-probability
        self.weights = np.zeros((count, width, 0, source_length), np.float32)

    def extend(self, origin, chosen, picked, step_weights):
        """Slot j of each row continues slot origin[row, j] with token chosen[row, j]."""
        rows = np.arange(len(self.inputs))[:, None]
        self.scores = np.take_along_axis(self.scores, origin, 1) + picked
        self.ids = np.concatenate([self.ids[rows, origin], chosen[..., None]], 2)
        self.steps = np.concatenate([self.steps[rows, origin], picked[..., None]], 2)
        if step_weights is not None:  # (rows * width, source_len), already reordered
            new = step_weights.reshape(len(self.inputs), -1, 1, step_weights.shape[-1])
            self.weights = np.concatenate([self.weights[rows, origin], new], 2)

    def keep(self, rows):
        for name in ("inputs", "scores", "ids", "steps", "weights"):  # (rows, ...) arrays
            setattr(self, name, getattr(self, name)[rows])

    def hypothesis(self, row, slot, end_score):
        """Slot `slot` of `row` as a Hypothesis, ended by <end> with end_score (or not)."""
        ended = end_score is not None
        end = (float(end_score),) if ended else ()
        return Hypothesis(tuple(int(i) for i in self.ids[row, slot]),
                          (*self.steps[row, slot].tolist(), *end),
                          ended, self.weights[row, slot] if self.attention else None)


def top_on_host(backend):
    """A Backend.top computed from the full step's probabilities (Keras models, and exports of
    format 2 and 3, which have no top-k graph)."""
    def top(token, state, count, weights=False):
        probabilities, state_h, state_c, _, *step_weights = backend.outputs(token, state)
        ids, log_p = _top_tokens(probabilities, count)
        return (ids, log_p, (state_h, state_c, *state[2:]),
                np.asarray(step_weights[0]) if weights else None)
    return top


def _top_tokens(probabilities, count):
    """Each row's `count` likeliest tokens (the only ones a beam of count - 1 can keep: at
    most one of them ends) -> (ids, float64 log-probabilities), each (rows, count), best
    first, equal probabilities by lower id (as the graphs' TopK)."""
    probabilities = np.asarray(probabilities)
    count = min(count, probabilities.shape[1])
    ids = np.argpartition(-probabilities, count - 1, axis=1)[:, :count]
    # argpartition keeps any of several tokens tied at the cut; keep the lowest ids instead
    kept = np.take_along_axis(probabilities, ids, 1)
    cut = kept.min(axis=1, keepdims=True)
    tied = (probabilities == cut).sum(axis=1) > (kept == cut).sum(axis=1)
    if tied.any():
        ids[tied] = np.argsort(-probabilities[tied], axis=1, kind="stable")[:, :count]
    # best first, ties by lower id: a search of a smaller width reads a prefix of the columns
    kept = np.take_along_axis(probabilities, ids, 1)
    ids = np.take_along_axis(ids, np.lexsort((ids, -kept), axis=1), 1)
    return ids, log_probabilities(np.take_along_axis(probabilities, ids, 1), ids, False)


def log_probabilities(probabilities, ids, no_end):
    """float64 log of `probabilities` (ids: their token ids); <end> -inf when no_end (before
    min_length)."""
    log_p = np.log(np.maximum(np.asarray(probabilities, np.float64), SMALLEST))
    if no_end:  # ids: same shape as probabilities, or one row of ids for every row
        log_p[np.broadcast_to(ids == END_ID, log_p.shape)] = -np.inf
    return log_p


def _select(total, tokens, log_p, width):
    """total (inputs, width * count): the score of each slot's candidates, whose ids and
    log-probabilities are tokens and log_p (inputs * width, count). For each input, the
    `width` best continuations that do not end, best first, ties to the lower token id (as
    ONNX's ArgMax): (origin slot, token id, log-probability), each (inputs, width); and
    (row, slot, log-probability of <end>) for each <end> ranked within the best `width`."""
    inputs, count = len(total), tokens.shape[1]
    token_ids = tokens.reshape(inputs, width * count)
    log_p = log_p.reshape(inputs, width * count)
    order = np.lexsort((token_ids, -total), axis=1)  # by score, then by token id
    best, ended = np.empty((inputs, width), np.int64), []
    for row, ranked in enumerate(order):
        best[row] = ranked[token_ids[row, ranked] != END_ID][:width]  # count > width: enough
        ended += [(row, c // count, log_p[row, c]) for c in ranked[:width]
                  if token_ids[row, c] == END_ID and np.isfinite(total[row, c])]
    return (best // count, np.take_along_axis(token_ids, best, 1),
            np.take_along_axis(log_p, best, 1), ended)
