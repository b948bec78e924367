"""The (input, reference) pairs to score: the run's validation split, rebuilt exactly as
training split it (from the config the export's manifest carries), or every pair of a file."""

import os

from evaluate.errors import EvaluationError
from train.config import from_dict
from train.dataset import validation_split
from train.errors import ConfigError, DataError
from train.run_dir import file_sha256
from train.sources import load_pairs

SPLITS = ("validation", "all")


def evaluation_pairs(loaded, data_path=None, split="validation"):
    """loaded: runtime.export_dir.LoadedExport. -> ([(input, reference)], data path)."""
    if split not in SPLITS:
        raise EvaluationError(f"split must be one of {SPLITS}, got {split!r}")
    training = loaded.manifest.training
    try:
        config = from_dict(training["config"])
        recorded = {key: training["data"][key] for key in ("path", "sha256")}
    except (KeyError, TypeError, ConfigError) as error:
        raise EvaluationError(f"{loaded.folder}: the manifest's training record is incomplete "
                              f"({error!r}), so its data cannot be found again") from None
    if split == "all":
        if not data_path:
            raise EvaluationError("--split all scores every pair of a file: give it with --data")
        return _read(data_path, "auto", None)[0], data_path
    path = data_path or recorded["path"]
    if not os.path.isfile(path):
        raise EvaluationError(f"the run's data file {path} is not there; the validation split "
                              f"is rebuilt from it: pass the same file with --data")
    if file_sha256(path) != recorded["sha256"]:
        raise EvaluationError(f"{path} is not the file the model was trained on (its SHA-256 "
                              f"differs from the manifest's), so its validation split cannot "
                              f"be rebuilt; score a file of your own with --split all")
    try:
        split_pairs = validation_split(path, config, (loaded.source_vocab, loaded.target_vocab),
                                       loaded.tokenizers)
    except DataError as error:  # the file cannot be read as the run's format
        raise EvaluationError(str(error)) from None
    except ConfigError as error:
        raise EvaluationError(f"cannot rebuild the validation split: {error}") from None
    return split_pairs.texts, path


def _read(path, data_format, encoding):
    if not os.path.isfile(path):
        raise EvaluationError(f"pairs file {path} does not exist")
    try:
        return load_pairs(path, data_format, encoding)
    except DataError as error:
        raise EvaluationError(str(error)) from None
