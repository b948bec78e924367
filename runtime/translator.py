"""The embeddable API: load an export once, translate (or reply) from many threads.

    from runtime import Translator
    translator = Translator.load("exports/default")        # CPU, 1 thread, checked
    translator.translate("How are you?")                    # -> "comment allez-vous?"
    translator.translate_batch(["I love you.", "Thanks!"])  # -> ["je t'aime!", "merci!"]
    translator.translate_detailed(["Hi zzqx."])[0].unknown  # -> ("zzqx",)
    translator.translate_detailed(["Hi."], attention=True)[0].attention  # attention models:
                                    # (output tokens, input tokens) weights, each row sums to 1

Input policy (documented defaults):
- unknown="replace": tokens not in the vocabulary become <unk> ("drop": removed; "error":
  InputError). Translation.unknown lists them either way.
- too_long="truncate": input beyond max_input_length tokens (default: the longest input
  in the run's data) is cut (Translation.truncated says so); "error": InputError.
- Empty or whitespace-only text gives "" without running the graphs; non-str is TypeError.
- Output has at most max_length tokens (default: the longest target in the run's data), even when
  <end> never comes. Models imported from the seed tutorials (`--recipe`) also stop as their
  script did (runtime.output_limit), and read inputs padded to the script's fixed length.
"""

import dataclasses

import numpy as np

from runtime.backends import cpu_backend, cuda_backend
from runtime.errors import InputError
from runtime.export_dir import create_session, load_export
from runtime.decoding import Decoding
from runtime.manifest import SHORTLIST_GRAPHS
from runtime.strategies import Backends, decode_batch
from runtime.sessions import (PROVIDERS, check_used, choose_providers, positive_int,
                              session_options)
from runtime.vocabulary import PAD_ID, START_ID, UNK_ID, pad_sequences

UNKNOWN_POLICIES = ("replace", "drop", "error")
_GREEDY = Decoding()  # the default, validated once (validation costs ~30 us a call)
TOO_LONG_POLICIES = ("truncate", "error")


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One of a beam search's n-best outputs."""
    text: str
    tokens: tuple
    score: float          # natural-log probability of the tokens and the closing <end>
    token_scores: tuple   # one per generated id, then <end>'s; score == sum(token_scores)
    ended: bool           # False: cut at max_length, without <end>


@dataclasses.dataclass(frozen=True)
class Translation:
    text: str
    tokens: tuple      # output tokens
    unknown: tuple     # input tokens not in the vocabulary (replaced or dropped)
    truncated: bool    # the input was cut to max_input_length tokens
    source_tokens: tuple = ()  # the input tokens the model read ("<unk>" for replaced ones)
    # With attention=True: (len(tokens), len(source_tokens)) float32, row i = the weights the
    # model gave each input token when it wrote output token i.
    attention: object = dataclasses.field(default=None, compare=False)
    # With scores (beam search and sampling always, greedy with scores=True; never for an
    # empty input, which is not decoded): the output's log-probability, and that of each
    # generated id and of the closing <end>. The ids are the tokens, unless the model
    # generated <pad> or <start>, which have a score but no token.
    score: float | None = None
    token_scores: tuple | None = None
    n_best: tuple = ()  # beam search: Candidate for each of the n_best outputs, best first
    ended: bool | None = None  # False: cut at max_length (None for an empty input)


class Translator:
    """Thread-safe: it holds no per-call state (onnxruntime sessions allow concurrent runs)."""

    def __init__(self, loaded, sessions, on_cuda=False, shortlist=True, unknown="replace",
                 too_long="truncate", max_input_length=None):
        """sessions: {graph name: InferenceSession} for the export's graphs (see `load`)."""
        check_policies(unknown, too_long)
        if not isinstance(shortlist, bool):
            raise TypeError(f"shortlist must be True or False, got {shortlist!r}")
        self.export = loaded
        self.manifest = loaded.manifest
        self.unknown, self.too_long = unknown, too_long
        self.max_input_length = positive_int("max_input_length", self.manifest.max_source_length
                                          if max_input_length is None else max_input_length)
        fixed = self.manifest.fixed_padding
        if fixed and self.max_input_length > fixed[0]:
            raise ValueError(f"max_input_length {self.max_input_length} exceeds {fixed[0]}: "
                             f"this imported model reads every input padded to {fixed[0]} "
                             f"tokens, as its script did, and cannot read longer ones")
        self.has_attention = self.manifest.attention != "none"  # the manifest picks the loop
        # The export's shortlist serves greedy and beam search unless turned off.
        self.shortlist = loaded.shortlist if shortlist else None
        padding = loaded.encoder_padding  # imported fixed-length models; None for ours
        search = cpu_backend(sessions, self.has_attention, self.shortlist, padding)
        greedy = (cuda_backend(sessions, self.has_attention, self.shortlist, padding)
                  if on_cuda else search)
        sampling = cpu_backend(sessions, self.has_attention, None, padding) if self.shortlist \
            else search
        self.output_limit = loaded.output_limit
        self._backends = Backends(greedy, search, sampling)
        self._compact = not on_cuda  # device states cannot be indexed row by row
        self.sessions = sessions
        self.providers = sessions["encoder"].get_providers()

    @classmethod
    def load(cls, export_dir, providers=("cpu",), threads=1, strict_providers=False,
             spinning=False, shortlist=True, **policy):
        """Load and check an export (see runtime.export_dir). providers: ("cpu",) or
        ("cuda", "cpu"); a missing CUDA falls back to CPU with a warning, or raises
        ProviderError with strict_providers=True. shortlist=False decodes over the whole
        vocabulary even when the export has a shortlist. int8 exports need no option."""
        requested = [providers] if isinstance(providers, str) else list(providers)
        chosen = choose_providers(requested, strict_providers)
        loaded = load_export(export_dir, shortlist)
        options = session_options(threads, spinning)
        wanted = [g for g in loaded.graphs if shortlist or g not in SHORTLIST_GRAPHS]
        sessions = {graph: create_session(loaded, graph, options, chosen) for graph in wanted}
        for session in sessions.values():
            check_used(session, requested, strict_providers)
        on_cuda = sessions["encoder"].get_providers()[0] == PROVIDERS["cuda"]  # CUDA first
        return cls(loaded, sessions, on_cuda, shortlist, **policy)

    def translate(self, text, max_length=None, decoding=None):
        return self.translate_detailed([text], max_length, decoding=decoding)[0].text

    def translate_batch(self, texts, max_length=None, batch_size=32, decoding=None):
        return [t.text for t in self.translate_detailed(texts, max_length, batch_size,
                                                        decoding=decoding)]

    def translate_detailed(self, texts, max_length=None, batch_size=32, attention=False,
                           decoding=None, scores=False):
        """-> [Translation], in the order of `texts`. Batches group similar lengths; results
        are identical to translating each text alone. attention=True also returns each
        translation's attention weights (models trained with --attention only). decoding:
        a runtime.Decoding (default: greedy); scores=True adds log-probabilities to greedy
        output (beam search and sampling always have them)."""
        if isinstance(texts, str):
            raise TypeError("translate_detailed takes a list of texts; use translate() for one")
        max_length, decoding = self.check_options(max_length, decoding, attention)
        batch_size = positive_int("batch_size", batch_size)
        texts = list(texts)
        prepared = [self.prepare(text) for text in texts]
        found = [[] for _ in prepared]  # hypotheses, best first (none for empty input)
        order = sorted((i for i, p in enumerate(prepared) if len(p[0])), key=lambda i: len(prepared[i][0]))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            hypotheses = decode_batch(self._backends,
                                      pad_sequences([prepared[i][0] for i in rows]),
                                      [texts[i] for i in rows], decoding, max_length, attention,
                                      scores, self._compact)
            for row, row_hypotheses in zip(rows, hypotheses):
                found[row] = row_hypotheses
        return [self.translation(p, h, attention, decoding.strategy == "beam",
                                 decoding.length_penalty) for p, h in zip(prepared, found)]

    def check_options(self, max_length, decoding, attention):
        """-> (max_length, decoding) with their defaults; ValueError or TypeError if wrong."""
        if attention and not self.has_attention:
            raise ValueError(f"{self.export.folder} has no attention weights to return: its "
                             f"model has no attention (train one with --attention luong)")
        if max_length is None:
            max_length = self.manifest.max_target_length
        decoding = _GREEDY if decoding is None else decoding
        if not isinstance(decoding, Decoding):
            raise TypeError(f"decoding must be a runtime.Decoding, got {type(decoding).__name__}")
        decoding.check_lengths(max_length)
        return max_length, decoding

    def translation(self, prepared, hypotheses, attention, n_best, length_penalty=0.0):
        """prepare()'s result and the decoder's hypotheses, best first -> Translation.
        n_best: beam search's (ranked with length_penalty)."""
        ids, unknown, truncated = prepared
        source_tokens = tuple(self.export.source_vocab.tokens[i] for i in ids)
        if not hypotheses:  # empty input: nothing was decoded
            return Translation("", (), unknown, truncated, source_tokens,
                               np.zeros((0, len(ids)), np.float32) if attention else None)
        if self.output_limit is not None:  # the seed tutorials' stopping rule
            hypotheses = (self.output_limit.cut_ranked(hypotheses, length_penalty) if n_best
                          else [self.output_limit.cut(h) for h in hypotheses])
        candidates = [self._candidate(h) for h in hypotheses]
        best, weights = candidates[0], None
        if attention:  # (output ids, batch width) -> (output tokens, input tokens), without
            # the rows of <pad>/<start> ids, which decode() leaves out
            shown = [i not in (PAD_ID, START_ID) for i in hypotheses[0].ids]
            weights = hypotheses[0].attention[shown, :len(ids)]
        return Translation(best.text, best.tokens, unknown, truncated, source_tokens, weights,
                           best.score, best.token_scores, tuple(candidates) if n_best else (),
                           best.ended)

    def _candidate(self, hypothesis):
        tokens = tuple(self.export.target_vocab.decode(hypothesis.ids))
        return Candidate(self.export.tokenizers[1].detokenize(tokens), tokens,
                         hypothesis.score, hypothesis.token_scores, hypothesis.ended)

    def prepare(self, text):
        """text -> (source ids, unknown tokens, truncated), applying the input policy."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        if not text.strip():  # even where spaces are tokens (char level): nothing to translate
            return np.zeros(0, dtype=np.int32), (), False
        tokens = self.export.tokenizers[0].tokenize(text)
        vocab = self.export.source_vocab.ids
        unknown = tuple(t for t in tokens if t not in vocab)
        if unknown and self.unknown == "error":
            raise InputError(f"unknown tokens {list(unknown)[:10]} in {text[:80]!r} "
                             f"(unknown='error'; use 'replace' or 'drop' to accept them)")
        ids = [vocab.get(t, UNK_ID) for t in tokens if t in vocab or self.unknown == "replace"]
        truncated = len(ids) > self.max_input_length
        if truncated and self.too_long == "error":
            raise InputError(f"input of {len(ids)} tokens exceeds max_input_length "
                             f"{self.max_input_length} (too_long='error')")
        return np.asarray(ids[:self.max_input_length], dtype=np.int32), unknown, truncated


def check_policies(unknown, too_long):
    """ValueError naming the input policy that is not one of the allowed values."""
    _choice("unknown", unknown, UNKNOWN_POLICIES)
    _choice("too_long", too_long, TOO_LONG_POLICIES)


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
