"""The errors both CLIs (`python -m train`, `python -m export`) report as one line on stderr,
`error: ...`, with exit status 2 (argument errors: runtime.cli.Parser)."""

import importlib.util
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


def require_modules(command, extra, modules=("tensorflow", "keras")):
    """A one-line ConfigError naming the pip install to run when an extra is missing,
    before anything imports them (instead of a ModuleNotFoundError traceback)."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(f"{command} needs {', '.join(missing)}, which `pip install .` "
                          f"leaves out: pip install '.[{extra}]' (in the project folder), "
                          f"or use make demo's .venv")
