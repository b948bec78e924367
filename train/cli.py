"""The command-line conventions both CLIs (`python -m train`, `python -m export`) share:
a user's mistake is one line on stderr, `error: ...`, and exit status 2."""

import argparse
import sys

from runtime.errors import ManifestError, VocabularyError
from train.errors import ConfigError, DataError, RunDirError

USER_ERRORS = (ConfigError, DataError, RunDirError, VocabularyError, ManifestError, OSError)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line, like every other bad-input error, instead of the whole usage text."""
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def fail(error):
    """Print a USER_ERRORS exception as one line; return the exit status."""
    if isinstance(error, OSError) and error.filename:
        message = f"{error.strerror or error}: {error.filename}"
    else:
        message = str(error)
    print(f"error: {message}", file=sys.stderr)
    return 2
