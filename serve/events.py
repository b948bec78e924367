"""Server-Sent Events for POST /translate/stream:

    event: token            one per output token, as the decoder produces it
    data: {"token": "je"}

    event: result           the whole record, as POST /translate answers it
    data: {"input": ..., "output": ..., ...}

    event: error            instead of the result, when the translation fails after the
    data: {"error": "...", "status": 504}     stream began (the HTTP status was 200 by then)

Our own response class rather than Starlette's StreamingResponse, because how that one
notices a client that left depends on the server's ASGI version (2.4 servers only when a
write fails, i.e. not while a request waits in the queue). Here the disconnect is awaited
beside the stream (serve/disconnect.py), and the token stream is always closed, which
cancels the translation and takes its rows out of the batch.
"""

import asyncio
import logging

from starlette.responses import StreamingResponse

from runtime.records import translation_record
from serve.disconnect import ClientDisconnected, unless_disconnected
from serve.errors import describe
from serve.responses import dumps

log = logging.getLogger("serve")


async def token_events(text, stream, retry_after=1):
    """An engine's token stream -> (event name, data) pairs: tokens, then result or error."""
    try:
        async for token in stream:
            yield "token", {"token": token}
    except Exception as error:  # noqa: BLE001 - every failure becomes an error event
        status, message, _ = describe(error, retry_after)
        yield "error", {"error": message, "status": status}
        return
    yield "result", translation_record(text, stream.translation)


def encode(name, data):
    return b"event: " + name.encode("ascii") + b"\ndata: " + dumps(data) + b"\n\n"


class EventStream(StreamingResponse):
    media_type = "text/event-stream"

    def __init__(self, events, on_close):
        """events: async iterator of (name, data) (token_events); on_close: coroutine
        function called once the response ends, however it ends (the stream's aclose)."""
        super().__init__(events, headers={"Cache-Control": "no-cache",
                                          "X-Accel-Buffering": "no"})
        self.on_close = on_close

    async def __call__(self, scope, receive, send):
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            await unless_disconnected(receive, self._send_events(send))
        except (ClientDisconnected, OSError):  # the client left: nothing more to send
            pass
        except asyncio.CancelledError:  # the server shuts down past its grace period
            await self._send_shutdown(send)
        finally:
            await self._close()

    async def _send_events(self, send):
        async for name, data in self.body_iterator:
            await send({"type": "http.response.body", "body": encode(name, data),
                        "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send_shutdown(self, send):
        """Cancelled (uvicorn cancels what runs past the grace period; Ray Serve when the
        client left): end the stream with an error event, if anyone still reads it."""
        error = {"error": "the server shut down before this translation finished",
                 "status": 503}
        try:
            await send({"type": "http.response.body", "body": encode("error", error),
                        "more_body": False})
        except Exception:  # noqa: BLE001 - the connection is gone: nothing to tell
            pass

    async def _close(self):
        for close in (getattr(self.body_iterator, "aclose", None), self.on_close):
            if close is None:
                continue
            try:
                await close()
            except Exception:  # noqa: BLE001 - closing must not hide the response's fate
                log.exception("closing an event stream failed")
