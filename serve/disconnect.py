"""Stop work whose client has gone: a translation nobody will read still holds rows in the
decoder's batch until it ends, so it is cancelled as soon as the connection drops.

Once a request's body has been read, the ASGI `receive` has nothing more to give until the
client disconnects (then it returns {"type": "http.disconnect"}), so awaiting it in a task
beside the work tells us at once, without polling. uvicorn, Starlette's TestClient, httpx's
ASGITransport and Ray Serve's proxy all behave so.
"""

import asyncio


class ClientDisconnected(Exception):
    """The client closed the connection before the answer was complete."""


async def unless_disconnected(receive, work):
    """Run the coroutine `work` and return its result; if the client disconnects first,
    cancel it (and wait until it has stopped) and raise ClientDisconnected. Cancelling the
    caller also cancels `work`."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            # Let the work run its cancellation (the engine takes its rows out of the batch).
            await asyncio.gather(task, return_exceptions=True)
    gone = watcher.done() and not watcher.cancelled()
    if gone:
        watcher.exception()  # a receive that failed means the connection is gone too
    if gone and task.cancelled():
        raise ClientDisconnected()
    return task.result()  # the work's result, or its exception


async def _disconnected(receive):
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return
        await asyncio.sleep(0.05)  # a stray body message: never spin on it
