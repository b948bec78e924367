"""The decoder state rows of one lane of runtime.scheduler: rows join it between steps and
leave it at any step, as requests come and go.

The state is the tuple runtime.backends documents: (state_h, state_c) (rows, units); with
attention also (encoder_outputs (rows, width, units), source_lengths (rows,)); with a
shortlist also (candidate_mask (rows, candidates), Candidates). Rows of different input
lengths coexist: the encoder outputs are zero-padded to the longest row's width and each
row's source_lengths masks its padding, as in one batch of Translator.translate_detailed.
"""

import numpy as np

from runtime.vocabulary import pad_sequences


class LaneState:
    def __init__(self, attention, shortlist):
        self.attention, self.shortlist = attention, shortlist
        self.parts = ()   # the state tuple; () when the lane has no rows
        self.sources = []  # with a shortlist: each row's source ids, to rebuild the mask

    @property
    def rows(self):
        return len(self.parts[0]) if self.parts else 0

    def join(self, state, sources):
        """Append the rows of `state` (a backend's encode output, rows in order) whose
        source ids are `sources`."""
        if not self.parts:  # alone: exactly the state a batch of these rows would have
            self.parts, self.sources = tuple(state), list(sources) if self.shortlist else []
            return
        base = 4 if self.attention else 2  # the parts that are per-row arrays
        old, new = self.parts[:base], state[:base]
        parts = [np.concatenate([old[0], new[0]]), np.concatenate([old[1], new[1]])]
        if self.attention:
            width = max(old[2].shape[1], new[2].shape[1])
            parts += [np.concatenate([_pad_width(old[2], width), _pad_width(new[2], width)]),
                      np.concatenate([old[3], new[3]])]
        if self.shortlist is not None:  # the candidates of the new union, and every row's mask
            self.sources += list(sources)
            parts += self.shortlist.batch(pad_sequences(self.sources))
        self.parts = tuple(parts)

    def keep(self, index):
        """Keep the rows `index` ((rows,) int or bool array), in its order."""
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        if not len(index):
            self.parts, self.sources = (), []
            return
        parts = [part[index] for part in self.parts]  # Candidates: shared, returned as is
        if self.attention:  # the longest row left may be shorter: attend over less padding
            longest = int(parts[3].max())
            if longest < parts[2].shape[1]:
                parts[2] = np.ascontiguousarray(parts[2][:, :max(longest, 1)])
        self.parts = tuple(parts)
        if self.shortlist is not None:
            self.sources = [self.sources[i] for i in index]

    def clear(self):
        self.parts, self.sources = (), []


def repeat_rows(state, counts):
    """Each row of `state` repeated counts[i] times (a beam request holds width rows)."""
    index = np.repeat(np.arange(len(counts)), counts)
    return tuple(part[index] for part in state)


def _pad_width(encoder_outputs, width):
    """(rows, w, units) -> (rows, width, units), zeros after the w real steps."""
    missing = width - encoder_outputs.shape[1]
    if not missing:
        return encoder_outputs
    return np.pad(encoder_outputs, ((0, 0), (0, missing), (0, 0)))
