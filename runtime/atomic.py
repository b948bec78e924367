"""Atomic file writes: a reader, or a run resumed after kill -9, sees the old file or the
new one, never a half-written one."""

import contextlib
import json
import os
import tempfile

# mkstemp/mkdtemp create private (0600/0700) entries; what we publish should get the
# permissions any ordinary file or folder would (0666/0777 less the umask).
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
FOLDER_MODE = 0o777 & ~_UMASK


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    `suffix` keeps an extension some writers insist on (Keras wants ".keras")."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part" + suffix)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, FILE_MODE)
        _fsync_file(temporary)
        os.replace(temporary, path)
        _fsync_folder(folder)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text_atomic(path, text):
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)


def write_json_atomic(path, value):
    write_text_atomic(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _fsync_file(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_folder(folder):
    # Makes the rename itself durable; not every platform lets a folder be opened.
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
