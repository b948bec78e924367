"""The one interface between the HTTP app and whatever produces translations.

The app (serve/app.py) never touches a Translator or a Scheduler: it takes an *engine*, so
that a load benchmark can put the same HTTP front in front of other ways of doing the work
(a thread pool of plain Translator calls, request-level micro-batching, ...) and compare.
An engine is any object with these five members (`Engine` below spells them out):

    await engine.translate(text, max_length=None, decoding=None, scores=False, timeout=None)
        -> runtime.Translation
    engine.astream(text, max_length=None, decoding=None, scores=False, timeout=None)
        -> an async iterator of output token strings, as they are produced; once it is
           exhausted, its .translation is the whole runtime.Translation; `await
           stream.aclose()`, or cancelling the task that iterates, cancels the request
    engine.queued   int: requests waiting to start (the /metrics queue gauge)
    engine.rows     int: rows being decoded now (0 where there is no shared batch)
    engine.close(drain=True, timeout=None)
        blocking; stops accepting work. drain=True finishes what was accepted (for at most
        timeout seconds, None = no limit), drain=False cancels it
and, optionally, `engine.closed` (bool): True once closed (GET /ready then answers 503),
and `engine.overloaded` (bool): its queue is full (requests are refused with 503 before
their body is read; serve/admission.py).

Errors are runtime's, and the app maps each to an HTTP status (serve/errors.py):
- at call time, for input the engine refuses: TypeError, runtime.InputError, ValueError
  (bad max_length or decoding); `Overloaded` when no more work can be queued (503);
- later, from the await or the iteration: `DeadlineExceeded` when `timeout` seconds passed
  since submission (504), `StepFailed` when decoding failed (500), `SchedulerClosed` when
  the engine closed before the work was done (503), CancelledError when cancelled.
Keyword names and meanings are those of runtime.Scheduler, which SchedulerEngine wraps.
"""

from typing import Protocol

from runtime import Scheduler, Translator


class Engine(Protocol):
    queued: int
    rows: int

    async def translate(self, text, max_length=None, decoding=None, scores=False,
                        timeout=None): ...

    def astream(self, text, max_length=None, decoding=None, scores=False, timeout=None): ...

    def close(self, drain=True, timeout=None): ...


class SchedulerEngine:
    """The default engine: runtime.Scheduler's step-level batching, where every request's
    rows share one decoder batch (requests join and leave between two decoder steps)."""

    def __init__(self, scheduler):
        self.scheduler = scheduler

    @classmethod
    def load(cls, settings, on_step=None):
        """settings: serve.config.EngineSettings. on_step(rows) is called after every decoder
        step with that step's batch rows (the /metrics histogram)."""
        translator = Translator.load(settings.export_dir, threads=settings.threads,
                                     shortlist=settings.shortlist, unknown=settings.unknown,
                                     too_long=settings.too_long)
        return cls(Scheduler(translator, max_rows=settings.max_rows,
                             max_queue=settings.max_queue, on_step=on_step))

    async def translate(self, text, max_length=None, decoding=None, scores=False,
                        timeout=None):
        return await self.scheduler.translate_async(text, max_length=max_length,
                                                    decoding=decoding, scores=scores,
                                                    timeout=timeout)

    def astream(self, text, max_length=None, decoding=None, scores=False, timeout=None):
        return self.scheduler.astream(text, max_length=max_length, decoding=decoding,
                                      scores=scores, timeout=timeout)

    @property
    def queued(self):
        return self.scheduler.queued

    @property
    def rows(self):
        return self.scheduler.rows

    @property
    def closed(self):
        return self.scheduler.closed

    @property
    def overloaded(self):
        """The queue is full: the app refuses at the door (serve/admission.py)."""
        return self.scheduler.queued >= self.scheduler.max_queue

    def close(self, drain=True, timeout=None):
        self.scheduler.close(drain=drain, timeout=timeout)
