"""One caller's request to runtime.scheduler, its token streams, and the scheduler's errors.

The decode loop thread resolves a request's future with its hypotheses (or an error); the
caller's thread turns them into a Translation (runtime.translator), so that work overlaps
the loop's onnxruntime calls instead of lengthening every step.
"""

import asyncio
import concurrent.futures
import queue
import threading

from runtime.strategies import route
from runtime.vocabulary import END_ID, PAD_ID, START_ID


class Overloaded(RuntimeError):
    """The scheduler's queue is full: retry later (HTTP: 503 with Retry-After)."""


class SchedulerClosed(RuntimeError):
    """The scheduler was closed: no new requests; with close(drain=False), or past close's
    timeout, the requests it had not finished fail with this too."""


class DeadlineExceeded(TimeoutError):
    """The request's timeout passed before it finished; its rows left the batch."""


class StepFailed(RuntimeError):
    """An exception inside a decoder step (or the encoder) failed the requests in it; the
    scheduler goes on serving the others. The original exception is the __cause__."""


class Request:
    """A submitted text. result() blocks for its Translation; cancel() makes its rows leave
    the batch at the next step (result() then raises concurrent.futures.CancelledError)."""

    def __init__(self, translator, text, prepared, max_length, decoding, attention, scores,
                 deadline, outbox=None):
        self.translator, self.text, self.prepared = translator, text, prepared
        self.outbox = outbox or Outbox()  # asyncio callbacks, sent once per step
        self.ids = prepared[0]  # (source_len,) int32, after the input policy
        self.max_length, self.decoding = max_length, decoding
        self.attention, self.scores, self.deadline = attention, scores, deadline
        # the lane that decodes it (runtime.lanes) and its options there
        self.lane, self.options = route(decoding, scores)
        self.searches = self.lane == "search"  # beam search: its output is known at the end
        self.rows = decoding.beam_width if decoding.strategy == "beam" else 1
        self.future = concurrent.futures.Future()  # -> [Hypothesis], best first
        self.on_token = None  # the loop calls it with each id produced (streams)
        self.weights = []     # greedy with attention: each step's (source_len,) weights
        self.waiter = None    # (event loop, asyncio.Future) woken when the request is done

    def wake_on_done(self, loop):
        """-> an asyncio.Future of `loop`, resolved (None) once the request is done."""
        self.waiter = (loop, loop.create_future())
        return self.waiter[1]

    def result(self, timeout=None):
        """The Translation; raises what failed the request. timeout: seconds to wait here
        (the request goes on; for a deadline on the request itself, submit a timeout)."""
        hypotheses = self.future.result(timeout)
        return self.translator.translation(self.prepared, hypotheses, self.attention,
                                           self.decoding.strategy == "beam",
                                           self.decoding.length_penalty)

    def cancel(self):
        """True if cancelled; False if it had already finished."""
        return self.future.cancel()

    def done(self):
        return self.future.done()

    # Called by the decode loop thread.
    def finish(self, hypotheses):
        self._settle(self.future.set_result, hypotheses)

    def fail(self, error):
        self._settle(self.future.set_exception, error)

    def _settle(self, setter, value):
        try:
            setter(value)
        except concurrent.futures.InvalidStateError:  # cancelled by its caller meanwhile
            return
        if self.waiter is not None:
            self.outbox.post(self.waiter[0], _wake, self.waiter[1])


def _wake(waiter):
    if not waiter.done():
        waiter.set_result(None)


class Outbox:
    """Callbacks into asyncio event loops from the decode loop thread, sent once per event
    loop per step: one wake-up of each loop (a self-pipe write) instead of one per finished
    request or streamed token. Posts from any other thread are sent at once."""

    def __init__(self):
        self.owner = None  # the decode loop thread's ident, set by the scheduler
        self.pending = {}  # event loop -> [(callback, args)], in posting order

    def post(self, loop, callback, *args):
        if threading.get_ident() != self.owner:
            _call_soon(loop, callback, *args)
            return
        self.pending.setdefault(loop, []).append((callback, args))

    def flush(self):
        pending, self.pending = self.pending, {}
        for loop, calls in pending.items():
            _call_soon(loop, _run_all, calls)


def _run_all(calls):
    for callback, args in calls:
        callback(*args)


_DONE = object()  # a stream's last item: the request has finished (or failed)


class TokenStream:
    """Iterator of a request's output tokens as they are produced; `translation` is the
    whole Translation once the iterator is exhausted (errors are raised by the iteration).
    Beam search knows its output only at the end: its tokens all come then."""

    def __init__(self, request):
        self.request, self.translation = request, None
        self._items, self._pending = queue.SimpleQueue(), []
        _connect(request, self._items.put)

    def __iter__(self):
        return self

    def __next__(self):
        if self._pending:
            return self._pending.pop(0)
        if self.translation is not None:
            raise StopIteration
        item = self._items.get()
        if item is not _DONE:
            return item
        if not _end(self):
            raise StopIteration
        return self._pending.pop(0)

    def close(self):
        """Stop early: cancels the request (its rows leave the batch)."""
        self.request.cancel()


class AsyncTokenStream:
    """The asyncio form of TokenStream: `async for token in stream`. Cancelling the
    consuming task, or `await stream.aclose()`, cancels the request."""

    def __init__(self, request):
        self.request, self.translation = request, None
        self._items = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self._pending = []
        _connect(request, lambda item: request.outbox.post(loop, self._items.put_nowait, item))

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._pending:
            return self._pending.pop(0)
        if self.translation is not None:
            raise StopAsyncIteration
        try:
            item = await self._items.get()
        except asyncio.CancelledError:
            self.request.cancel()
            raise
        if item is not _DONE:
            return item
        if not _end(self):
            raise StopAsyncIteration
        return self._pending.pop(0)

    async def aclose(self):
        self.request.cancel()


def _end(stream):
    """The request is done: set stream.translation (raising what failed it); -> True when
    tokens are still to come (beam search gives them all now, in stream._pending)."""
    stream.translation = stream.request.result()
    if stream.request.searches and stream.translation.tokens:
        stream._pending = list(stream.translation.tokens)
    return bool(stream._pending)


def connect_tokens(request, put):
    """Route the request's produced ids, as token strings, to put(token). Ids a Translation
    leaves out (<pad>, <start>, <end>) are skipped; beam search sends nothing (its output
    is known only at the end)."""
    tokens = request.translator.export.target_vocab.tokens
    if not request.searches:
        request.on_token = lambda id_: put(tokens[id_]) if id_ not in _SILENT else None
        limit = request.translator.output_limit  # imported models: stop where it cuts
        if limit is not None:
            request.on_token = limit.streaming(request.on_token)


def _connect(request, put):
    """connect_tokens, then put(_DONE) when the request finishes, fails or is cancelled."""
    connect_tokens(request, put)
    request.future.add_done_callback(lambda _: put(_DONE))


_SILENT = (PAD_ID, START_ID, END_ID)


def _call_soon(loop, function, *args):
    try:
        loop.call_soon_threadsafe(function, *args)
    except RuntimeError:  # the consumer's event loop has closed: nobody is listening
        pass
