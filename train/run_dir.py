"""The run directory: the one place that names the files a training run writes.

RUN_DIR/
    config.json          options, data figures (vocab sizes, max lengths), versions
    source_vocab.json    JSON list, position = id
    target_vocab.json
    source_subword.model, target_subword.model  (subword level) the SentencePiece models,
                         whose SHA-256 config.json records
    model.keras          the best model so far (by validation loss)
    history.json         per-epoch metrics, training and validation
    training_curve.png
    checkpoints/         the latest epoch's checkpoint, for resuming
    .lock                held by the training process
"""

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import platform

from runtime.atomic import atomic_path, write_json_atomic
from runtime.errors import TokenizationError
from runtime.tokenize import Tokenizer, subword_tokenizer
from runtime.vocabulary import Vocabulary
from train.config import from_dict, identity_changes
from train.errors import ConfigError, RunDirError

CONFIG = "config.json"
SOURCE_VOCAB = "source_vocab.json"
TARGET_VOCAB = "target_vocab.json"
SOURCE_SUBWORD = "source_subword.model"
TARGET_SUBWORD = "target_subword.model"
SUBWORD_MODELS = (SOURCE_SUBWORD, TARGET_SUBWORD)
MODEL = "model.keras"
HISTORY = "history.json"
CURVE = "training_curve.png"
CHECKPOINTS = "checkpoints"
LOCK = ".lock"
FORMAT_VERSION = 1
# What a run killed before writing config.json can have left: vocabularies, temporaries.
_EARLY_ENTRIES = {SOURCE_VOCAB, TARGET_VOCAB, *SUBWORD_MODELS, LOCK}


class RunDir:
    def __init__(self, path):
        self.path = os.path.abspath(path)

    def file(self, name):
        return os.path.join(self.path, name)

    def exists(self):
        return os.path.isfile(self.file(CONFIG))

    def check_for(self, config):
        """Refuse a path that is a file, a folder holding anything but a run, or a run made
        with other options. Creates nothing."""
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise RunDirError(f"--out {self.path} is a file, expected a folder")
        foreign = self._foreign_entries()
        if foreign and not self.exists():
            raise RunDirError(f"--out {self.path} holds files that are not a training run's "
                              f"({', '.join(foreign[:3])}); choose a new or empty folder")
        if self.exists():
            saved = self.read_config()
            changes = identity_changes(saved, config)
            if saved.distribute != config.distribute:
                raise RunDirError(f"{self.path} holds a run started with --distribute "
                                  f"{saved.distribute}, and a run resumes only the way it "
                                  f"started (not with --distribute {config.distribute}): "
                                  f"rerun it with --distribute {saved.distribute}, or use "
                                  f"a new --out")
            if changes:
                shown = "; ".join(f"{n}: {a!r} in the run, {b!r} now" for n, a, b in changes)
                raise RunDirError(f"{self.path} holds a run with other options ({shown}); "
                                  f"use a new --out, or the run's own options to resume it")

    @contextlib.contextmanager
    def locked(self):
        """Create the folder and hold an exclusive lock on it: two processes training into
        one run directory would destroy each other's checkpoints."""
        os.makedirs(self.path, exist_ok=True)
        with open(self.file(LOCK), "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunDirError(f"another process is training into {self.path}; wait for "
                                  f"it to finish or stop it") from None
            for name in os.listdir(self.path):  # temporaries of an interrupted write
                if name.startswith(".tmp-"):
                    os.unlink(self.file(name))
            yield self

    def _foreign_entries(self):
        """Entries that are not a run's (checked only when there is no config.json)."""
        if not os.path.isdir(self.path):
            return []
        return sorted(n for n in os.listdir(self.path)
                      if n not in _EARLY_ENTRIES and not n.startswith(".tmp-"))

    def read_config(self):
        try:
            return from_dict(self.read_metadata()["config"])
        except (KeyError, TypeError, ConfigError) as error:
            raise RunDirError(f"{self.file(CONFIG)} is damaged ({error})") from None

    def read_metadata(self):
        """config.json as a dict: the options, the data's figures, the versions."""
        return self._read_json(CONFIG)

    def read_history(self):
        return self._read_json(HISTORY)

    def _read_json(self, name):
        try:
            with open(self.file(name), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as error:
            raise RunDirError(f"{self.file(name)} is unreadable or damaged ({error})") from None

    def write_config(self, config, data_path, data_stats, versions):
        """Written last when a run starts: it records the SHA-256 of the subword models
        saved before it."""
        write_json_atomic(self.file(CONFIG), {
            "format_version": FORMAT_VERSION,
            "config": dataclasses.asdict(config),
            "data": {"path": os.path.abspath(data_path), "sha256": file_sha256(data_path),
                     **data_stats},
            "subword_models": {name: file_sha256(self.file(name)) for name in SUBWORD_MODELS
                               if config.level == "subword"},
            "versions": {"python": platform.python_version(), **versions},
        })

    def check_same_data(self, data_path, advice="use a new --out"):
        saved = self.read_metadata()["data"]["sha256"]
        if file_sha256(data_path) != saved:
            raise RunDirError(f"{data_path} changed since this run started (its SHA-256 "
                              f"differs from {self.file(CONFIG)}); {advice}")

    def save_vocabularies(self, source_vocab, target_vocab):
        source_vocab.save(self.file(SOURCE_VOCAB))
        target_vocab.save(self.file(TARGET_VOCAB))

    def load_vocabularies(self):
        return Vocabulary.load(self.file(SOURCE_VOCAB)), Vocabulary.load(self.file(TARGET_VOCAB))

    def save_subword_models(self, models):
        """(source, target) .model bytes (none below subword level), each atomically."""
        for name, content in zip(SUBWORD_MODELS, models):
            with atomic_path(self.file(name), suffix=".model") as temporary:
                with open(temporary, "wb") as f:
                    f.write(content)

    def load_tokenizers(self, config):
        """(source, target) Tokenizers; at subword level from the run's models, checked
        against the SHA-256 config.json recorded."""
        if config.level != "subword":
            return (Tokenizer(config.level, config.lowercase),) * 2
        recorded = self.read_metadata().get("subword_models") or {}
        return tuple(self._subword_tokenizer(name, recorded.get(name), config.lowercase)
                     for name in SUBWORD_MODELS)

    def _subword_tokenizer(self, name, digest, lowercase):
        path = self.file(name)
        try:
            with open(path, "rb") as f:
                content = f.read()
        except OSError as error:
            raise RunDirError(f"{path}: the run's subword model is unreadable "
                              f"({error.strerror or error})") from None
        if hashlib.sha256(content).hexdigest() != digest:
            raise RunDirError(f"{path}: SHA-256 differs from the one {self.file(CONFIG)} "
                              f"recorded (the file was changed or damaged after training)")
        try:
            return subword_tokenizer(content, lowercase, path)
        except TokenizationError as error:
            raise RunDirError(str(error)) from None


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
