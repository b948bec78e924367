"""OUT_DIR: what may be replaced, the lock on it, the hidden staging folder, the publish.

The export is built in `.tmp-export-<name>.XXXXXXXX` beside OUT_DIR, fsynced, and swapped
into place in one step (runtime.atomic.replace_folder). `--force` replaces only an export (a
folder with a manifest.json) or an empty folder, never the training run or a user's files.
"""

import contextlib
import fcntl
import os
import re
import shutil
import tempfile

from export.errors import ExportError
from export.keras_files import SAVED_MODEL_METADATA
from runtime.atomic import FOLDER_MODE, replace_folder
from runtime.manifest import MANIFEST_FILE
from train import run_dir as run_files


class ExportTarget:
    def __init__(self, out_path, run_path, force):
        self.path = os.path.abspath(out_path)
        self.parent, self.name = os.path.split(self.path)
        self.force = force
        self._check(os.path.abspath(run_path))

    def _check(self, run_path):
        if self.path == run_path or run_path.startswith(self.path + os.sep):
            raise ExportError(f"OUT_DIR {self.path} would replace the training run {run_path}; "
                              f"choose another folder")
        if os.path.islink(self.path) or (os.path.lexists(self.path) and not os.path.isdir(self.path)):
            raise ExportError(f"OUT_DIR {self.path} is a file or a link, expected a folder")
        if not os.path.exists(self.path):
            return
        if not self.force:
            raise ExportError(f"{self.path} already exists; pass --force to replace it (atomically)")
        entries = os.listdir(self.path)
        if entries and MANIFEST_FILE not in entries:
            raise ExportError(f"{self.path} holds files that are not an export "
                              f"({', '.join(sorted(entries)[:3])}); not replacing it, even with --force")

    @contextlib.contextmanager
    def staging(self):
        """Lock OUT_DIR against a concurrent export, clear what killed exports left, and
        yield a fresh staging folder (removed afterwards unless published)."""
        os.makedirs(self.parent, exist_ok=True)
        with self._locked():
            prefix = f".tmp-export-{self.name}."
            leftover = re.compile(re.escape(prefix) + r"[a-z0-9_]{8}")  # mkdtemp's suffix
            for name in os.listdir(self.parent):
                if leftover.fullmatch(name):
                    shutil.rmtree(os.path.join(self.parent, name), ignore_errors=True)
            staging = tempfile.mkdtemp(dir=self.parent, prefix=prefix)
            try:
                os.chmod(staging, FOLDER_MODE)
                yield staging
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    @contextlib.contextmanager
    def _locked(self):
        """Hold `.NAME.export-lock` beside OUT_DIR; removed when done, so no hidden file
        stays behind. A lock file removed by a finishing export between our open and our
        lock is not the one at the path any more: lock the new one instead."""
        path = os.path.join(self.parent, f".{self.name}.export-lock")
        while True:
            lock = open(path, "a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                raise ExportError(f"another export into {self.path} is running") from None
            try:
                if os.fstat(lock.fileno()).st_ino == os.stat(path).st_ino:
                    break
            except FileNotFoundError:
                pass
            lock.close()
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            lock.close()

    def publish(self, staging):
        """Make every file durable, then swap the staging folder in as OUT_DIR."""
        for name in os.listdir(staging):
            with open(os.path.join(staging, name), "rb") as f:
                os.fsync(f.fileno())
        if os.path.lexists(self.path) and not self.force:
            raise ExportError(f"{self.path} appeared while exporting; pass --force to replace it")
        previous = replace_folder(staging, self.path)
        if previous:
            shutil.rmtree(previous, ignore_errors=True)


def check_run_folder(path, as_given):
    """RUN_DIR exists and holds a run (TensorFlow-free: the CLI checks it first)."""
    run = run_files.RunDir(path)
    if (os.path.isfile(run.path) and run.path.endswith((".keras", ".h5"))) or \
            os.path.isfile(os.path.join(run.path, SAVED_MODEL_METADATA)):
        raise ExportError(f"{run.path} is a model file, not a run of `python -m train`; for a "
                          f"model the keras-io tutorial or the word-level notebook trained, add "
                          f"--recipe keras-io|word-notebook --data PAIRS_FILE")
    if not os.path.isdir(run.path):
        raise ExportError(f"RUN_DIR {run.path} does not exist")
    if not run.exists():
        raise ExportError(f"{run.path} is not a training run (no {run_files.CONFIG}); "
                          f"train one with `python -m train --out {as_given}`")


def check_data_file(data_path, shortlist=False):
    """A --data given for a run must exist (TensorFlow-free: the CLI checks it first)."""
    if data_path and not os.path.isfile(data_path):
        needs = " and --shortlist builds its lists from its training pairs" if shortlist else ""
        raise ExportError(f"--data {data_path}: no such file (expected the run's pairs file: "
                          f"the parity proofs need its validation pairs{needs})")
