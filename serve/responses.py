"""JSON out, for any text that came in.

A JSON request may carry a lone surrogate ("\\ud800"): Python's json reads it into a str
that UTF-8 cannot encode, and the record echoes the input back. Such a body is written
with every non-ASCII character escaped (still valid JSON, same value); everything else is
plain UTF-8.
"""

import json

from fastapi.responses import JSONResponse


def dumps(value):
    """-> UTF-8 JSON bytes of `value`."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them (and all non-ASCII)
        return json.dumps(value).encode("ascii")


class JSONBody(JSONResponse):
    def render(self, content):
        return dumps(content)


def error_body(status, message, headers=None):
    return JSONBody({"error": message}, status_code=status, headers=headers or None)
