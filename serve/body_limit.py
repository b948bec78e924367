"""Refuse a request body larger than the limit before it is read whole (413).

Pure ASGI, outside the routes: a Content-Length over the limit is answered at once, without
reading a byte of the body; a body without one (chunked) is counted as it arrives, and the
read that crosses the limit raises BodyTooLarge, an HTTPException that FastAPI passes on
from its body reading to the app's handler (413). Either way at most the limit plus one
network chunk is ever held.
"""

from starlette.exceptions import HTTPException

from serve.responses import error_body


class BodyTooLarge(HTTPException):
    def __init__(self, limit, size=None):
        got = f"{size} bytes" if size is not None else f"over {limit} bytes"
        super().__init__(413, f"request body too large: {got}, at most {limit} "
                              f"(--max-body-bytes)")


class BodyLimitMiddleware:
    def __init__(self, app, max_body_bytes):
        self.app, self.limit = app, max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            refusal = BodyTooLarge(self.limit, declared)
            response = error_body(413, refusal.detail, {"Connection": "close"})
            return await response(scope, receive, send)
        seen, started = 0, False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def noting_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge as refusal:  # raised where no handler turned it into a response
            if started:
                raise
            await error_body(413, refusal.detail, {"Connection": "close"})(scope, receive, send)


def _content_length(scope):
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
