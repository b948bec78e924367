"""Training's named exceptions; the CLI prints their message on one line and exits 2."""


class DataError(ValueError):
    """A data file is missing, unreadable, malformed (with --strict) or yields no pairs."""


class ConfigError(ValueError):
    """Options are out of range or contradict each other (or the run directory's)."""


class RunDirError(ValueError):
    """A run directory is not usable: foreign files, a damaged checkpoint, another config."""


class ClusterError(RuntimeError):
    """Multi-worker training cannot go on: a worker is unreachable or was lost."""
