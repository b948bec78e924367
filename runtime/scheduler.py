"""Step-level batching: one decode loop serves many callers (the continuous batching of
Orca, vLLM and TGI, for an LSTM decoder).

    from runtime import Scheduler, Translator
    scheduler = Scheduler(Translator.load("exports/default"), max_rows=256, max_queue=1024)
    scheduler.translate_detailed("How are you?")          # blocking, from any thread
    await scheduler.translate_async("How are you?")       # asyncio
    stream = scheduler.stream("Hello!")                   # tokens as they are produced
    for token in stream: ...
    stream.translation                                    # the whole Translation, at the end
    async for token in scheduler.astream("Hello!"): ...   # the same, in asyncio
    request = scheduler.submit("Hi.", timeout=2.0)        # request.result(), request.cancel()
    scheduler.close(drain=True)                           # or drain=False: cancel the rest

Between two decoder steps, newly arrived requests are encoded and their state rows join the
running batch; rows that produced <end> (or reached their max_length) leave at once and
their callers get their results. A lone request does not wait for company. Each strategy
has its lane (runtime.lanes): greedy, beam search (and greedy with scores), sampling; a
step runs each lane with rows once. A request's result is the one translate_detailed gives
for the same text and options, whatever shares the batch (float32 exports; int8 ones
quantize each step's activations over the whole batch, so their outputs may differ
slightly with the batch, as they do in translate_detailed).

Limits: at most max_rows rows decode at once (a beam request holds beam_width rows); at most
max_queue requests wait to join, beyond which submitting raises Overloaded at once. A
timeout (seconds) fails the request with DeadlineExceeded and its rows leave the batch at
the next step, as do a cancelled request's. An exception in a step fails the requests of
that lane's step with StepFailed; the loop goes on serving.
"""

import asyncio
import collections
import functools
import heapq
import itertools
import threading
import time

from runtime.lanes import GreedyLane, SamplingLane, SearchLane
from runtime.requests import (AsyncTokenStream, DeadlineExceeded, Outbox, Overloaded, Request,
                              SchedulerClosed, StepFailed, TokenStream,
                              connect_tokens)
from runtime.sessions import positive_int

__all__ = ["Scheduler", "Overloaded", "SchedulerClosed", "DeadlineExceeded", "StepFailed"]


class Scheduler:
    def __init__(self, translator, max_rows=256, max_queue=1024, on_step=None):
        """translator: a runtime.Translator (its sessions, input policy and vocabularies).
        on_step: called from the loop thread after each step with its number of rows."""
        self.translator = translator
        self.max_rows = positive_int("max_rows", max_rows)
        self.max_queue = positive_int("max_queue", max_queue)
        self.on_step = on_step
        backends, attention = translator._backends, translator.has_attention
        # The greedy lane compacts rows as they leave: host states (cpu_backend), also on CUDA.
        self._lanes = {"greedy": GreedyLane(backends.search, attention, translator.shortlist),
                       "search": SearchLane(backends.search, attention, translator.shortlist),
                       "sample": SamplingLane(backends.sampling, attention)}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue = collections.deque()  # requests waiting to join, in arrival order
        self._cancelled = set()            # requests cancelled since the last pass
        self._deadlines = []               # heap of (deadline, sequence, request)
        self._sequence = itertools.count()
        self._outbox = Outbox()  # asyncio wake-ups, sent after each step
        self._closed = False   # no new requests; the loop ends once queue and lanes are empty
        self._abandon = False  # close(drain=False), or a drain past its timeout
        self._lane_list = tuple(self._lanes.values())
        self._driver = threading.Lock()  # held by whichever thread runs the loop
        self._thread = threading.Thread(target=self._run, name="runtime-scheduler", daemon=True)
        self._thread.start()

    # The callers' side (any thread).

    def submit(self, text, max_length=None, decoding=None, attention=False, scores=False,
               timeout=None, on_token=None):
        """-> Request: request.result() is the Translation translate_detailed([text], ...)[0]
        gives. Bad input raises here (TypeError, ValueError, InputError); a full queue
        raises Overloaded; a closed scheduler SchedulerClosed. timeout: seconds until the
        request fails with DeadlineExceeded. on_token(token str): called from the decode
        loop thread with each output token as it is produced (greedy and sampling; keep
        it short: the batch waits for it)."""
        request = self._request(text, max_length, decoding, attention, scores, timeout)
        if on_token is not None:
            connect_tokens(request, on_token)
        return self._enqueue(request)

    def translate_detailed(self, text, max_length=None, decoding=None, attention=False,
                           scores=False, timeout=None):
        """Blocking: the Translation of one text (see submit). When the loop is idle, the
        calling thread runs it itself until its request is done, serving whatever joins
        meanwhile: a lone request then costs no hand-off to the loop thread and back."""
        request = self._request(text, max_length, decoding, attention, scores, timeout)
        if not self._driver.acquire(blocking=False):  # the loop is running: join it
            return self._enqueue(request).result()
        try:
            self._enqueue(request, wake=False)
            self._outbox.owner = threading.get_ident()
            while not request.done() and self._iterate():
                pass
        finally:
            self._driver.release()
            if self._queue or self.rows or self._cancelled:  # others joined meanwhile
                with self._lock:
                    self._wake.notify()  # the loop thread takes over
        return request.result()

    def translate(self, text, max_length=None, decoding=None, timeout=None):
        return self.translate_detailed(text, max_length, decoding, timeout=timeout).text

    async def translate_async(self, text, max_length=None, decoding=None, attention=False,
                              scores=False, timeout=None):
        """The Translation, awaited; cancelling the awaiting task cancels the request."""
        request = self._request(text, max_length, decoding, attention, scores, timeout)
        done = request.wake_on_done(asyncio.get_running_loop())
        self._enqueue(request)
        try:
            await done
        except asyncio.CancelledError:
            request.cancel()
            raise
        return request.result()

    def stream(self, text, max_length=None, decoding=None, attention=False, scores=False,
               timeout=None):
        """-> TokenStream: iterate for the output tokens as they are produced, then read
        its .translation. Beam search gives its tokens only at the end."""
        request = self._request(text, max_length, decoding, attention, scores, timeout)
        stream = TokenStream(request)
        self._enqueue(request)
        return stream

    def astream(self, text, max_length=None, decoding=None, attention=False, scores=False,
                timeout=None):
        """-> AsyncTokenStream (`async for`), from a running event loop."""
        request = self._request(text, max_length, decoding, attention, scores, timeout)
        stream = AsyncTokenStream(request)
        self._enqueue(request)
        return stream

    @property
    def rows(self):
        """Rows in the running batch now."""
        return sum(lane.rows for lane in self._lane_list)

    @property
    def queued(self):
        """Requests waiting to join the batch."""
        return len(self._queue)

    @property
    def closed(self):
        return self._closed

    def close(self, drain=True, timeout=None):
        """Stop accepting requests. drain=True: finish those queued and running (for at most
        `timeout` seconds, after which the rest fail with SchedulerClosed); drain=False: they
        fail with SchedulerClosed now. Returns once the loop has stopped (or timeout)."""
        with self._lock:
            self._closed = True
            if not drain:
                self._abandon = True
            self._wake.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():  # the drain took too long: fail what is left
            with self._lock:
                self._abandon = True
                self._wake.notify()
            self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _request(self, text, max_length, decoding, attention, scores, timeout):
        translator = self.translator
        max_length, decoding = translator.check_options(max_length, decoding, attention)
        if not isinstance(scores, bool):
            raise TypeError(f"scores must be True or False, got {scores!r}")
        deadline = None
        if timeout is not None:
            if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) \
                    or not timeout > 0:
                raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
            deadline = time.monotonic() + timeout
        request = Request(translator, text, translator.prepare(text), max_length, decoding,
                          attention, scores, deadline, self._outbox)
        if request.rows > self.max_rows:
            raise ValueError(f"beam_width {request.rows} exceeds the scheduler's max_rows "
                             f"{self.max_rows}")
        return request

    def _enqueue(self, request, wake=True):
        if not len(request.ids):  # empty input: nothing to decode (as translate_detailed)
            request.finish([])
            return request
        with self._lock:
            if self._closed:
                raise SchedulerClosed("the scheduler is closed: it takes no new requests")
            if len(self._queue) >= self.max_queue:
                raise Overloaded(f"{len(self._queue)} requests are waiting (max_queue "
                                 f"{self.max_queue}): retry later")
            self._queue.append(request)
            if request.deadline is not None:
                heapq.heappush(self._deadlines, (request.deadline, next(self._sequence),
                                                 request))
            if wake:
                self._wake.notify()
        request.future.add_done_callback(functools.partial(self._on_done, request))
        return request

    def _on_done(self, request, future):
        if future.cancelled():  # its rows leave at the next step
            with self._lock:
                self._cancelled.add(request)
                self._wake.notify()

    # The loop thread.

    def _run(self):
        """The loop thread: waits for work, then runs the loop for as long as there is some
        (holding _driver, which a blocking caller holds instead when it finds the loop
        idle)."""
        while True:
            with self._lock:
                self._await_work()
            with self._driver:
                self._outbox.owner = threading.get_ident()
                while self._iterate():
                    if not (self.rows or self._queue or self._cancelled):
                        break
                else:
                    return

    def _await_work(self):
        """Under the lock: wait until there is something to do (or a deadline passes)."""
        while not (self._queue or self._cancelled or self.rows or self._closed):
            waiting = self._deadlines[0][0] - time.monotonic() if self._deadlines else None
            if waiting is not None and waiting <= 0:
                return
            self._wake.wait(waiting)

    def _iterate(self):
        """One pass of the loop (never waits): arrivals join, removals leave, each lane steps
        once. -> False once closed with nothing left."""
        lanes, arrivals = self._lane_list, ()
        if self._news():
            with self._lock:
                found = self._take_work()
            if found is None:
                return False
            arrivals, removed = found
            self._remove(removed)
        try:
            self._admit(arrivals)
            self._step()
        except Exception as error:  # a bug here must not leave callers waiting forever
            failed = [*arrivals, *(r for lane in lanes for r in lane.requests())]
            _fail(failed, error, "the scheduler loop")
            for lane in lanes:
                lane.clear()
        self._outbox.flush()
        return True

    def _news(self):
        """Whether anything but the next step needs the lock: arrivals, cancellations, a
        deadline passed, closing, or no rows to step (read without the lock: a request that
        arrives meanwhile is seen at the next step)."""
        return bool(self._queue or self._cancelled or self._closed
                    or (self._deadlines and self._deadlines[0][0] <= time.monotonic())
                    or not self.rows)

    def _take_work(self):
        """Under the lock: -> (requests to join, requests to remove); None: stop (closed
        and empty)."""
        if self._abandon:
            self._fail_everything(SchedulerClosed("the scheduler was closed before this "
                                                  "request finished"))
        removed = self._expired() | self._take_cancelled()
        running = self.rows
        if removed or self._queue or running:
            return self._arrivals(running), removed
        self._outbox.flush()  # what failed above
        return None if self._closed else ((), set())

    def _expired(self):
        if len(self._deadlines) > 2 * (self.max_rows + len(self._queue)) + 64:
            # finished requests' entries: drop them, or the heap holds every result for as
            # long as its timeout
            self._deadlines = [entry for entry in self._deadlines if not entry[2].done()]
            heapq.heapify(self._deadlines)
        now, expired = time.monotonic(), set()
        while self._deadlines and self._deadlines[0][0] <= now:
            request = heapq.heappop(self._deadlines)[2]
            if not request.done():
                request.fail(DeadlineExceeded(f"the request did not finish within its "
                                              f"timeout ({request.text[:40]!r})"))
                expired.add(request)
        return expired

    def _take_cancelled(self):
        """Cancelled requests; those still queued are dropped by _arrivals."""
        cancelled, self._cancelled = self._cancelled, set()
        return cancelled

    def _arrivals(self, running):
        """Pop the queued requests that fit in max_rows, in order (done ones are dropped)."""
        arrivals = []
        while self._queue:
            request = self._queue[0]
            if request.done():  # cancelled or expired while waiting
                self._queue.popleft()
                continue
            if running + request.rows > self.max_rows:
                break
            running += request.rows
            arrivals.append(self._queue.popleft())
        return arrivals

    def _fail_everything(self, error):
        for request in [*self._queue, *(r for lane in self._lane_list for r in lane.requests())]:
            request.fail(error)
        self._queue.clear()
        for lane in self._lane_list:
            lane.clear()

    def _remove(self, removed):
        if removed:
            for lane in self._lane_list:
                if lane.rows:
                    lane.remove(removed)

    def _admit(self, arrivals):
        by_lane = collections.defaultdict(list)
        for request in arrivals:
            by_lane[request.lane].append(request)
        for name, requests in by_lane.items():
            try:
                self._lanes[name].join(requests)
            except Exception as error:  # the encoder failed: these requests, not the loop
                _fail(requests, error, "encoding")

    def _step(self):
        rows = 0
        for lane in self._lane_list:
            if not lane.rows:
                continue
            rows += lane.rows
            try:
                lane.step()
            except Exception as error:
                _fail(lane.requests(), error, "a decoder step")
                lane.clear()
        if rows and self.on_step is not None:
            try:
                self.on_step(rows)
            except Exception:  # a metrics callback's bug must not stop the decoding
                pass


def _fail(requests, error, where):
    failure = StepFailed(f"{where} failed for the {len(requests)} requests in it: "
                         f"{type(error).__name__}: {error}")
    failure.__cause__ = error
    for request in requests:
        request.fail(failure)

