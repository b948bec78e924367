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


def replace_folder(staging, target):
    """Put the complete folder `staging` at `target` in one atomic step. Returns the path
    now holding the previous `target` (for the caller to delete), or None if there was none.

    On Linux, renameat2(RENAME_EXCHANGE) swaps the two names at once, so a process killed at
    any moment leaves `target` either old or new. Where it is unavailable, the old folder is
    renamed away first: a kill between the two renames leaves `target` missing, and the old
    folder beside it as `<staging>.old`."""
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.lexists(target):
        os.rename(staging, target)
        _fsync_folder(parent)
        return None
    if _exchange(staging, target):
        _fsync_folder(parent)
        return staging
    old = staging + ".old"
    os.rename(target, old)
    os.rename(staging, target)
    _fsync_folder(parent)
    return old


def _exchange(first, second):
    """Atomically swap two paths with renameat2; False where the system cannot."""
    import ctypes
    import errno

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_current_folder, rename_exchange = -100, 2
    if renameat2(at_current_folder, os.fsencode(first), at_current_folder, os.fsencode(second),
                 rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), second)
