"""The errors both CLIs (`python -m train`, `python -m export`) report as one line on stderr,
`error: ...`, with exit status 2 (argument errors: runtime.cli.Parser)."""

import sys

from runtime.errors import ManifestError, TokenizationError, VocabularyError
from train.errors import ClusterError, ConfigError, DataError, RunDirError

USER_ERRORS = (ConfigError, DataError, RunDirError, ClusterError, VocabularyError,
               ManifestError, TokenizationError, OSError)


def fail(error):
    """Print a USER_ERRORS exception as one line; return the exit status."""
    if isinstance(error, OSError) and error.filename:
        message = f"{error.strerror or error}: {error.filename}"
    else:
        message = str(error)
    print(f"error: {message}", file=sys.stderr)
    return 2


def epochs_text(count):
    """'1 epoch', '2 epochs'."""
    return f"{count} epoch" + ("" if count == 1 else "s")
