"""Every failure becomes a status and one JSON object, {"error": "..."}, that names the
problem; never a traceback. The same mapping serves the JSON endpoint (as the HTTP status)
and the event stream (as an `event: error` once the stream has begun).

    request refused by a limit            413 (sizes) or 422, RequestError
    input the runtime refuses             422 (InputError; for a list, naming texts[i])
    bad decoding option or max_length     422 (Decoding's / the runtime's own message)
    queue full, or shutting down          503 with Retry-After
    timeout passed                        504 (DeadlineExceeded)
    decoding failed                       500 (StepFailed)
    anything else                         500 "internal error" (logged, not shown)
"""

import logging

from runtime import DeadlineExceeded, InputError, Overloaded, SchedulerClosed, StepFailed

log = logging.getLogger("serve")


class RequestError(Exception):
    """A request the service refuses before any translation starts (limits, options)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status

    def __reduce__(self):  # pickles whole (Ray sends it back to a handle's caller)
        return type(self), (self.status, str(self))


class TextError(Exception):
    """The runtime refused one text: `index` is its place in "texts" (None for "text")."""

    def __init__(self, index, error):
        where = "text" if index is None else f"texts[{index}]"
        super().__init__(f"{where}: {error}")
        self.index, self.error = index, error

    def __reduce__(self):
        return type(self), (self.index, self.error)


# The failures `describe` gives a status of their own; anything else is a 500.
MAPPED = (RequestError, TextError, InputError, Overloaded, SchedulerClosed, DeadlineExceeded,
          StepFailed)


def describe(error, retry_after=1):
    """-> (status, message, headers) for an exception raised while serving a request."""
    if isinstance(error, RequestError):
        return error.status, str(error), {}
    if isinstance(error, (TextError, InputError)):
        return 422, str(error), {}
    if isinstance(error, Overloaded):
        return (503, f"overloaded, try again later: {error}",
                {"Retry-After": str(retry_after)})
    if isinstance(error, SchedulerClosed):
        return (503, f"the server is shutting down: {error}",
                {"Retry-After": str(retry_after)})
    if isinstance(error, DeadlineExceeded):
        return 504, f"deadline exceeded: {error}", {}
    if isinstance(error, StepFailed):
        return 500, f"decoding failed: {error}", {}
    log.error("unexpected error while serving a request", exc_info=error)
    return 500, "internal error", {}


def validation_message(errors):
    """FastAPI/pydantic validation errors -> one line naming each field and what it got,
    e.g. 'body.text: Input should be a valid string (got 5)'. Inputs are shortened so a
    huge value is not echoed back."""
    parts = []
    for error in errors[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "invalid")
        if error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body",):
            parts.append('the body is empty: send a JSON object, e.g. {"text": "..."}')
            continue
        if error.get("type") == "json_invalid":
            message = f"invalid JSON: {error.get('ctx', {}).get('error', message)}"
        elif "input" in error and error.get("type") not in _NO_INPUT:
            message += f" (got {_short(error['input'])})"
        parts.append(f"{location}: {message}" if location else message)
    if len(errors) > 5:
        parts.append(f"and {len(errors) - 5} more")
    return "; ".join(parts)


# Errors whose input is the whole body or absent: repeating it would not help.
_NO_INPUT = ("missing", "extra_forbidden", "value_error")


def is_malformed_json(errors):
    """True when the body was not JSON at all (400 rather than 422)."""
    return any(error.get("type") == "json_invalid" for error in errors)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"
