"""A stand-in engine (serve/engine.py's interface) whose behaviour a test chooses, so that the
app's error mapping, cancellation and limits are tested without a model or TensorFlow."""

import asyncio

from runtime import Translation


def translation(text):
    """A Translation of `text`: its words reversed, upper-cased (one token each)."""
    tokens = tuple(word.upper() for word in reversed(text.split()))
    return Translation(" ".join(tokens), tokens, (), False)


class FakeEngine:
    """respond(text) -> Translation, or raises (at submission, as a real engine refuses
    input); hang=True makes every request wait until cancelled (counting it in `rows`)."""

    def __init__(self, respond=translation, hang=False, fail_later=None):
        self.respond, self.hang, self.fail_later = respond, hang, fail_later
        self.rows = self.queued = 0
        self.submitted, self.cancelled, self.closed = [], 0, []

    async def translate(self, text, max_length=None, decoding=None, scores=False,
                        timeout=None):
        result = self.respond(text)  # refusals raise here, "at call time"
        self.submitted.append(dict(text=text, max_length=max_length, decoding=decoding,
                                   scores=scores, timeout=timeout))
        await self._run()
        return result

    def astream(self, text, max_length=None, decoding=None, scores=False, timeout=None):
        result = self.respond(text)
        self.submitted.append(dict(text=text, max_length=max_length, decoding=decoding,
                                   scores=scores, timeout=timeout))
        return FakeStream(self, result)

    async def _run(self):
        self.rows += 1
        try:
            if self.hang:
                await asyncio.sleep(3600)
            if self.fail_later is not None:
                raise self.fail_later
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.rows -= 1

    def close(self, drain=True, timeout=None):
        self.closed.append((drain, timeout))


class FakeStream:
    def __init__(self, engine, result):
        self.engine, self.result, self.translation = engine, result, None
        self._tokens, self._started, self._closed = list(result.tokens), False, False

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self._started:
            self._started = True
            self.engine.rows += 1
        try:
            if self.engine.hang:
                await asyncio.sleep(3600)
            if self._tokens:
                return self._tokens.pop(0)
            if self.engine.fail_later is not None:
                raise self.engine.fail_later
        except asyncio.CancelledError:
            await self.aclose()
            raise
        except Exception:
            self._leave()
            raise
        self._leave()
        self.translation = self.result
        raise StopAsyncIteration

    async def aclose(self):
        if self._started and not self._closed:
            self.engine.cancelled += 1
        self._leave()

    def _leave(self):
        if self._started and not self._closed:
            self._closed = True
            self.engine.rows -= 1
