"""The lanes of runtime.scheduler: each runs one decoder graph over the rows of every request
of its strategy, one step at a time, while requests join and leave between steps.

    GreedyLane    greedy decoding (the lean greedy graph), vectorised over rows
    SearchLane    beam search, and greedy with scores (width 1); one BeamSearch per request
    SamplingLane  sampling (the full graph's probabilities); one Sampler per request

Each request's rows run the same per-row code as Translator.translate_detailed
(runtime.greedy, BeamSearch, Sampler), so its result does not depend on what shares the
batch. Every lane offers: rows, join(requests), step(), remove(requests), requests().
"""

import numpy as np

from runtime.beam import BeamSearch, Hypothesis, top_on_host
from runtime.lane_state import LaneState, repeat_rows
from runtime.sampling import Sampler, generators
from runtime.vocabulary import END_ID, START_ID, pad_sequences



class GreedyLane:
    def __init__(self, backend, attention, shortlist):
        self.backend = backend
        self.state = LaneState(attention, shortlist)
        self.clear()

    def clear(self):
        self.state.clear()
        self.rows_of = []                      # the request of each row
        self.token = np.zeros(0, np.int32)     # (rows,) the next step's input
        self.position = np.zeros(0, np.int64)  # (rows,) ids produced so far
        self.limit = np.zeros(0, np.int64)     # (rows,) each request's max_length
        self.ids = np.zeros((0, 1), np.int32)  # (rows, longest limit) the ids produced
        self.index = np.zeros(0, np.int64)     # (rows,) 0..rows-1
        self._update()

    def _update(self):
        """After rows join or leave: what the per-step code would otherwise recompute."""
        self.weighted = [row for row, r in enumerate(self.rows_of) if r.attention]
        self.streamed = [row for row, r in enumerate(self.rows_of) if r.on_token is not None]
        # steps until the first row reaches its max_length (no row can before)
        self.until_limit = int((self.limit - self.position).min()) if len(self.limit) else 0

    @property
    def rows(self):
        return len(self.rows_of)

    def requests(self):
        return list(self.rows_of)

    def join(self, requests):
        sources = [r.ids for r in requests]
        self.state.join(self.backend.encode(pad_sequences(sources)), sources)
        count, limits = len(requests), [r.max_length for r in requests]
        new = {"token": np.full(count, START_ID, np.int32), "position": np.zeros(count, np.int64),
               "limit": np.array(limits, np.int64),
               "ids": np.zeros((count, max(limits)), np.int32)}
        if self.rows_of:  # alone in the lane: no copies
            width = max(self.ids.shape[1], new["ids"].shape[1])
            new = {"token": np.concatenate([self.token, new["token"]]),
                   "position": np.concatenate([self.position, new["position"]]),
                   "limit": np.concatenate([self.limit, new["limit"]]),
                   "ids": np.concatenate([_widen(self.ids, width), _widen(new["ids"], width)])}
        for name, array in new.items():
            setattr(self, name, array)
        self.rows_of = self.rows_of + requests
        self.index = np.arange(len(self.rows_of))
        self._update()

    def step(self):
        weights = bool(self.weighted)
        token, self.state.parts, step_weights = self.backend.step(
            self.token, self.state.parts, weights)
        token = np.asarray(token, np.int32)
        self.ids[self.index, self.position] = token
        for row in self.weighted:
            request = self.rows_of[row]
            request.weights.append(np.array(step_weights[row, :len(request.ids)]))
        for row in self.streamed:
            self.rows_of[row].on_token(int(token[row]))
        self.position += 1
        self.token = token
        self.until_limit -= 1
        ended = token == END_ID
        if self.until_limit <= 0:
            finished = ended | (self.position >= self.limit)
        elif ended.any():
            finished = ended
        else:
            return
        for row in np.flatnonzero(finished):
            self.rows_of[row].finish([self._hypothesis(row, bool(ended[row]))])
        self._keep(~finished)

    def _hypothesis(self, row, ended):
        """As runtime.strategies makes of greedy_decode's output: ids before <end>."""
        length, request = int(self.position[row]) - ended, self.rows_of[row]
        weights = (np.array(request.weights[:length], np.float32).reshape(length, -1)
                   if request.attention else None)  # (ids, source_len)
        return Hypothesis(tuple(self.ids[row, :length].tolist()), None, ended, weights)

    def remove(self, requests):
        self._keep(np.array([r not in requests for r in self.rows_of], bool))

    def _keep(self, kept):
        """kept: (rows,) bool."""
        if not kept.any():
            self.clear()
            return
        self.state.keep(kept)
        self.rows_of = [r for r, k in zip(self.rows_of, kept) if k]
        for name in ("token", "position", "limit", "ids"):
            setattr(self, name, getattr(self, name)[kept])
        self.index = np.arange(len(self.rows_of))
        self._update()


def _widen(ids, width):
    """(rows, w) -> (rows, width) ids, zeros after."""
    return ids if ids.shape[1] == width else np.pad(ids, ((0, 0), (0, width - ids.shape[1])))


class _GroupLane:
    """A lane whose requests each hold a per-request decoder (BeamSearch, Sampler): groups
    is [(request, decoder)], their rows in this order."""

    def __init__(self, attention, shortlist):
        self.state = LaneState(attention, shortlist)
        self.groups = []

    @property
    def rows(self):
        return self.state.rows

    def requests(self):
        return [request for request, _ in self.groups]

    def clear(self):
        self.state.clear()
        self.groups = []


class SearchLane(_GroupLane):
    """Beam searches of any widths share the top-k graph: it returns the k likeliest tokens
    of every row, best first, for k = the widest search + 1, and a search of width w reads
    the first w + 1 of them: what the top-k graph gives for k = w + 1 (ties by lower id)."""

    def __init__(self, backend, attention, shortlist):
        super().__init__(attention, shortlist)
        self.top = backend.top or top_on_host(backend)
        self.encode = backend.encode

    def join(self, requests):
        sources = [r.ids for r in requests]
        searches = [BeamSearch(1, r.options, r.max_length, len(r.ids), r.attention)
                    for r in requests]
        widths = [search.width for search in searches]
        state = repeat_rows(self.encode(pad_sequences(sources)), widths)
        self.state.join(state, [s for s, w in zip(sources, widths) for _ in range(w)])
        self.groups += list(zip(requests, searches))

    def step(self):
        count = max(search.width for _, search in self.groups) + 1
        previous = np.concatenate([search.previous_tokens() for _, search in self.groups])
        weights = any(request.attention for request, _ in self.groups)
        tokens, log_p, self.state.parts, step_weights = self.top(
            previous, self.state.parts, count, weights)
        kept, going, offset = [], [], 0
        for request, search in self.groups:
            rows = slice(offset, offset + search.rows)
            index = search.advance(tokens[rows], log_p[rows], None if step_weights is None
                                   or not request.attention else step_weights[rows])
            if search.done:
                request.finish(search.results()[0])
            else:
                kept.append(index + offset)
                going.append((request, search))
            offset = rows.stop
        self.groups = going
        self.state.keep(np.concatenate(kept) if kept else np.zeros(0, np.int64))

    def remove(self, requests):
        kept, going, offset = [], [], 0
        for request, search in self.groups:
            if request not in requests:
                kept.append(np.arange(offset, offset + search.rows))
                going.append((request, search))
            offset += search.rows
        self.groups = going
        self.state.keep(np.concatenate(kept) if kept else np.zeros(0, np.int64))


class SamplingLane(_GroupLane):
    """One Sampler per request, one row each."""

    def __init__(self, backend, attention):
        super().__init__(attention, None)  # sampling never uses a shortlist
        self.backend = backend

    def join(self, requests):
        sources = [r.ids for r in requests]
        self.state.join(self.backend.encode(pad_sequences(sources)), sources)
        self.groups += [(r, Sampler(r.decoding, r.max_length, generators([r.text], r.decoding.seed),
                                    len(r.ids), r.attention)) for r in requests]

    def step(self):
        previous = np.concatenate([sampler.previous_tokens() for _, sampler in self.groups])
        outputs = self.backend.outputs(previous, self.state.parts)
        probabilities = np.asarray(outputs[0])  # (rows, vocab)
        kept, going = [], []
        for row, (request, sampler) in enumerate(self.groups):
            produced = len(sampler.ids[0])
            sampler.advance(probabilities[row:row + 1], outputs[4][row:row + 1]
                            if request.attention else None)
            if request.on_token is not None and len(sampler.ids[0]) > produced:
                request.on_token(sampler.ids[0][-1])
            if sampler.done:
                request.finish(sampler.results())
            else:
                kept.append(row)
                going.append((request, sampler))
        self.groups = going
        self.state.parts = (outputs[1], outputs[2], *self.state.parts[2:])
        self.state.keep(np.array(kept, np.int64))

    def remove(self, requests):
        kept = [row for row, (request, _) in enumerate(self.groups) if request not in requests]
        self.groups = [self.groups[row] for row in kept]
        self.state.keep(np.array(kept, np.int64))
