"""The service's settings, as plain frozen dataclasses: the command line builds them, and Ray
Serve ships them to every replica (they pickle), so both ways of running agree.

Limits bound what one HTTP request may ask for, so that no single client can hold the
decoder (or the server's memory) for long; EngineSettings say how to load the export.
"""

import dataclasses
import math

from runtime.sessions import positive_int
from runtime.translator import check_policies


@dataclasses.dataclass(frozen=True)
class Limits:
    max_texts: int = 64                # texts in one {"texts": [...]} request
    max_text_chars: int = 1000         # characters in one text (code points)
    max_body_bytes: int = 1 << 20      # request body; refused before it is read whole
    max_output_tokens: int = 256       # the largest "max_length" a request may ask for
    timeout: float = 30.0              # seconds a text may take from submission (then 504)
    retry_after: int = 1               # seconds, the Retry-After of a 503

    def __post_init__(self):
        for name in ("max_texts", "max_text_chars", "max_body_bytes", "max_output_tokens",
                     "retry_after"):
            positive_int(name, getattr(self, name))
        _positive_number("timeout", self.timeout)


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    export_dir: str
    threads: int = 1                   # onnxruntime intra-op threads
    unknown: str = "replace"           # runtime's input policies (Translator.load)
    too_long: str = "truncate"
    shortlist: bool = True             # False: decode over the whole vocabulary
    max_rows: int = 256                # Scheduler: rows in the running batch at most
    max_queue: int = 1024              # Scheduler: waiting requests at most (then 503)

    def __post_init__(self):
        for name in ("threads", "max_rows", "max_queue"):
            positive_int(name, getattr(self, name))
        check_policies(self.unknown, self.too_long)


def _positive_number(name, value):
    if (not isinstance(value, (int, float)) or isinstance(value, bool)
            or not math.isfinite(value) or value <= 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
