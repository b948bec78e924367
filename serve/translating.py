"""A validated request -> its records, through an engine (serve/engine.py). Shared by the
HTTP endpoints and the Ray Serve handle, so both refuse and answer alike.

The texts of a list go to the engine concurrently (each may join the running batch at
once); if one fails, the others are cancelled, so no rows are left decoding for an answer
that will never be sent.
"""

import asyncio

from runtime import InputError
from runtime.records import translation_record

from serve.errors import RequestError, TextError


def check_limits(request, limits):
    """RequestError (413/422) if `request` (a schemas model) asks for more than `limits`."""
    texts = request.all_texts()
    if len(texts) > limits.max_texts:
        raise RequestError(413, f"too many texts: {len(texts)}, at most {limits.max_texts} "
                                f"per request (--max-texts)")
    for index, text in enumerate(texts):
        if len(text) > limits.max_text_chars:
            where = "text" if request.text is not None else f"texts[{index}]"
            raise RequestError(413, f"{where} has {len(text)} characters, at most "
                                    f"{limits.max_text_chars} (--max-text-chars)")
    if request.max_length is not None and not 1 <= request.max_length <= limits.max_output_tokens:
        raise RequestError(422, f"max_length must be from 1 to {limits.max_output_tokens} "
                                f"(--max-output-tokens), got {request.max_length}")


def decoding_of(request):
    """-> runtime.Decoding or None; RequestError 422 with Decoding's own message."""
    try:
        return request.decoding()
    except (ValueError, TypeError) as error:
        raise RequestError(422, str(error)) from None


async def translate_request(engine, request, limits):
    """-> one record ({"text": ...}) or a list of records ({"texts": [...]}). Raises
    RequestError, TextError or runtime's errors (see serve/errors.py)."""
    check_limits(request, limits)
    decoding = decoding_of(request)
    options = dict(max_length=request.max_length, decoding=decoding, scores=request.scores,
                   timeout=limits.timeout)
    if request.text is not None:
        return translation_record(request.text,
                                  await translate_one(engine, None, request.text, options))
    try:
        async with asyncio.TaskGroup() as group:  # one failure cancels the rest
            tasks = [group.create_task(translate_one(engine, index, text, options))
                     for index, text in enumerate(request.texts)]
    except BaseExceptionGroup as failures:
        raise _first(failures) from None
    return [translation_record(text, task.result())
            for text, task in zip(request.texts, tasks)]


async def translate_one(engine, index, text, options):
    try:
        return await engine.translate(text, **options)
    except (InputError, ValueError, TypeError) as error:  # refused at submission
        raise TextError(index, error) from None


def open_stream(engine, request, limits):
    """-> the engine's token stream for a StreamRequest; refusals raise as for translate."""
    check_limits(request, limits)
    decoding = decoding_of(request)
    try:
        return engine.astream(request.text, max_length=request.max_length, decoding=decoding,
                              scores=request.scores, timeout=limits.timeout)
    except (InputError, ValueError, TypeError) as error:
        raise TextError(None, error) from None


def _first(failures):
    """The error to report from a group: a refused text (lowest index) first, since it
    says what to fix; otherwise the first failure."""
    errors = list(_leaves(failures))
    refused = sorted((e for e in errors if isinstance(e, TextError)), key=lambda e: e.index)
    return refused[0] if refused else errors[0]


def _leaves(group):
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error
