"""The (input, reference) pairs to score: the run's validation split, rebuilt exactly as
training split it (from the config the export's manifest carries), or every pair of a file.
For a model imported from a seed tutorial (`python -m export MODEL_FILE --recipe ...`) the
validation split is the one its script's `validation_split=0.2` held out: the last fifth of
the pairs it read (train.seed_data)."""

import os

from s2s_evaluate.errors import EvaluationError
from train.config import from_dict
from train.dataset import validation_split
from train.errors import ConfigError, DataError
from train.run_dir import file_sha256
from train.seed_data import read_seed_data, recipe_named
from train.sources import load_pairs

SPLITS = ("validation", "all")


def evaluation_pairs(loaded, data_path=None, split="validation"):
    """loaded: runtime.export_dir.LoadedExport. -> ([(input, reference)], data path)."""
    if split not in SPLITS:
        raise EvaluationError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "all":
        if not data_path:
            raise EvaluationError("--split all scores every pair of a file: give it with --data")
        return _read(data_path, "auto", None)[0], data_path
    training = loaded.manifest.training
    if isinstance(training, dict) and "recipe" in training:
        return _script_validation(loaded, training, data_path)
    try:
        config = from_dict(training["config"])
        recorded = {key: training["data"][key] for key in ("path", "sha256")}
    except (KeyError, TypeError, ConfigError) as error:
        raise EvaluationError(f"{loaded.folder}: the manifest's training record is incomplete "
                              f"({error!r}), so its data cannot be found again") from None
    path = data_path or recorded["path"]
    _check_same_file(path, recorded["sha256"], "the model was trained on")
    try:
        split_pairs = validation_split(path, config, (loaded.source_vocab, loaded.target_vocab),
                                       loaded.tokenizers)
    except DataError as error:  # the file cannot be read as the run's format
        raise EvaluationError(str(error)) from None
    except ConfigError as error:
        raise EvaluationError(f"cannot rebuild the validation split: {error}") from None
    return split_pairs.texts, path


def _script_validation(loaded, training, data_path):
    """An imported model's validation pairs: the last fifth of what its script read."""
    try:
        recipe, recorded = recipe_named(training["recipe"]), training["data"]
        path, count = data_path or recorded["path"], recorded["num_samples"]
    except (KeyError, TypeError, DataError) as error:
        raise EvaluationError(f"{loaded.folder}: the manifest's import record is incomplete "
                              f"({error!r})") from None
    _check_same_file(path, recorded["sha256"], "its script read")
    try:
        return read_seed_data(recipe, path, count).validation_pairs, path
    except DataError as error:
        raise EvaluationError(str(error)) from None


def _check_same_file(path, sha256, what):
    if not os.path.isfile(path):
        raise EvaluationError(f"the data file {path} is not there; the validation split is "
                              f"rebuilt from it: pass the same file with --data")
    if file_sha256(path) != sha256:
        raise EvaluationError(f"{path} is not the file {what} (its SHA-256 differs from the "
                              f"manifest's), so its validation split cannot be rebuilt; "
                              f"score a file of your own with --split all")


def _read(path, data_format, encoding):
    if not os.path.isfile(path):
        raise EvaluationError(f"pairs file {path} does not exist")
    try:
        return load_pairs(path, data_format, encoding)
    except DataError as error:
        raise EvaluationError(str(error)) from None
