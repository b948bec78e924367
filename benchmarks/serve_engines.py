"""The two alternatives to step-level batching that benchmarks/serve_load.py puts behind the
same HTTP front (serve/app.py), as engines of serve/engine.py's interface:

    NaiveEngine       (a) one Translator.translate_detailed call per request, in a thread
                      pool: what a FastAPI sync endpoint around the runtime does
    MicroBatchEngine  (b) request-level batching, as Ray Serve's @serve.batch or Triton's
                      dynamic batcher: collect requests for up to `wait_ms` (or until
                      `max_batch`), run the batch to completion, one batch at a time;
                      requests arriving meanwhile wait for the next batch

Neither streams: their token stream gives every token when the translation is done.
"""

import asyncio
import concurrent.futures
import dataclasses

from runtime import DeadlineExceeded, Overloaded


class _WholeStream:
    """A token stream that has the tokens only at the end (engines that cannot stream)."""

    def __init__(self, translating):
        self._translating, self._tokens, self.translation = translating, None, None

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._tokens is None:
            self.translation = await self._translating
            self._tokens = list(self.translation.tokens)
        if not self._tokens:
            raise StopAsyncIteration
        return self._tokens.pop(0)

    async def aclose(self):
        if not self._translating.done():
            self._translating.cancel()


class _Unstreamed:
    """astream for an engine that has its tokens only at the end."""

    def astream(self, text, max_length=None, decoding=None, scores=False, timeout=None):
        return _WholeStream(asyncio.ensure_future(
            self.translate(text, max_length, decoding, scores, timeout)))


class NaiveEngine(_Unstreamed):
    def __init__(self, translator, threads=8):
        self.translator = translator
        self.pool = concurrent.futures.ThreadPoolExecutor(threads)
        self.started, self.running = 0, 0

    async def translate(self, text, max_length=None, decoding=None, scores=False,
                        timeout=None):
        self.started += 1
        try:
            results = await _within(asyncio.get_running_loop().run_in_executor(
                self.pool, self._call, [text], max_length, decoding, scores), timeout)
        finally:
            self.started -= 1
        return results[0]

    def _call(self, texts, max_length, decoding, scores):
        self.running += 1
        try:
            return self.translator.translate_detailed(texts, max_length, decoding=decoding,
                                                      scores=scores)
        finally:
            self.running -= 1

    @property
    def queued(self):
        return max(0, self.started - self.running)

    @property
    def rows(self):
        return self.running

    def close(self, drain=True, timeout=None):
        self.pool.shutdown(wait=drain, cancel_futures=not drain)


async def _within(awaitable, timeout):
    """As the Scheduler's timeout: DeadlineExceeded (HTTP 504) once it passes."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise DeadlineExceeded(f"the request did not finish within its timeout ({timeout} s)") \
            from None


@dataclasses.dataclass
class _Waiting:
    text: str
    options: tuple  # (max_length, decoding, scores): a batch shares them
    future: asyncio.Future


class MicroBatchEngine(_Unstreamed):
    def __init__(self, translator, max_batch=64, wait_ms=5.0, max_queue=1024):
        self.translator, self.max_batch, self.wait = translator, max_batch, wait_ms / 1000
        self.max_queue = max_queue
        self.pending = []   # _Waiting, in arrival order
        self.rows = 0       # texts in the batch running now
        self.worker = concurrent.futures.ThreadPoolExecutor(1)  # one batch at a time
        self._full = None   # asyncio.Event: max_batch are waiting
        self._collector = None

    @property
    def queued(self):
        return len(self.pending)

    @property
    def overloaded(self):
        return len(self.pending) >= self.max_queue

    async def translate(self, text, max_length=None, decoding=None, scores=False,
                        timeout=None):
        if self.overloaded:
            raise Overloaded(f"{len(self.pending)} requests are waiting (max_queue "
                             f"{self.max_queue}): retry later")
        # refuse bad input now, as the other engines do (translate_detailed prepares the
        # text again: about 10 us of this engine's time per request)
        self.translator.prepare(text)
        self.translator.check_options(max_length, decoding, False)
        waiting = _Waiting(text, (max_length, decoding, scores),
                           asyncio.get_running_loop().create_future())
        self.pending.append(waiting)
        if self._full is None:
            self._full = asyncio.Event()
        if len(self.pending) >= self.max_batch:
            self._full.set()
        if self._collector is None or self._collector.done():
            self._collector = asyncio.ensure_future(self._collect())
        return await _within(asyncio.shield(waiting.future), timeout)

    async def _collect(self):
        loop = asyncio.get_running_loop()
        while self.pending:
            if len(self.pending) < self.max_batch:  # wait for company, at most self.wait
                self._full.clear()
                try:
                    await asyncio.wait_for(self._full.wait(), self.wait)
                except TimeoutError:
                    pass
            options = self.pending[0].options
            batch = [w for w in self.pending if w.options == options][:self.max_batch]
            chosen = set(map(id, batch))
            self.pending = [w for w in self.pending if id(w) not in chosen]
            self.rows = len(batch)
            try:
                results = await loop.run_in_executor(
                    self.worker, lambda: self.translator.translate_detailed(
                        [w.text for w in batch], options[0], batch_size=self.max_batch,
                        decoding=options[1], scores=options[2]))
            except Exception as error:  # noqa: BLE001 - the batch's callers get it
                for waiting in batch:
                    if not waiting.future.done():
                        waiting.future.set_exception(error)
                continue
            finally:
                self.rows = 0
            for waiting, result in zip(batch, results):
                if not waiting.future.done():
                    waiting.future.set_result(result)

    def close(self, drain=True, timeout=None):
        self.worker.shutdown(wait=drain, cancel_futures=not drain)
