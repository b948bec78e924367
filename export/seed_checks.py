"""Everything `python -m export MODEL_FILE OUT_DIR --recipe ...` can check before it imports
TensorFlow: the recipe, the data and token lists, the model file's structure and weights,
their sizes, OUT_DIR. The CLI runs these first, so that a refusal is one line (TensorFlow
2.21 writes log lines to stderr as it is imported, whatever TF_CPP_MIN_LOG_LEVEL says)."""

import os

from export.errors import ExportError
from export.seed_model import read_seed_model
from export.target import ExportTarget
from train.seed_data import read_seed_data, recipe_named, with_tokens


def prepare_import(model_path, out_path, recipe_name, data_path, num_samples=None,
                   source_tokens=None, target_tokens=None, force=False):
    """-> (ExportTarget, SeedModel, SeedData), checked against each other. Raises DataError
    (the data or token lists) or ExportError (the model file, the sizes, OUT_DIR)."""
    recipe = recipe_named(recipe_name)
    if not data_path:
        raise ExportError(f"--recipe {recipe.name} rebuilds the script's vocabularies and "
                          f"padded lengths from its data: give the pairs file with --data")
    if not os.path.isfile(data_path):
        raise ExportError(f"--data {data_path} is not a file (expected the pairs file the "
                          f"script read)")
    target = ExportTarget(out_path, model_path, force)
    model = read_seed_model(model_path)
    data = with_tokens(read_seed_data(recipe, data_path, num_samples), source_tokens,
                       target_tokens)
    _check_sizes(model_path, model, data, data_path, source_tokens or target_tokens)
    return target, model, data


def _check_sizes(model_path, model, data, data_path, given):
    rebuilt = (len(data.source_tokens), len(data.target_tokens))
    if rebuilt == (model.source_size, model.target_size):
        return
    source = "the token lists given" if given else (
        f"the {data.recipe.name} recipe rebuilt from {len(data.pairs)} pairs of {data_path}")
    raise ExportError(
        f"{model_path} reads {model.source_size} input tokens and predicts "
        f"{model.target_size}, but {source} give {rebuilt[0]} and {rebuilt[1]}: the usual "
        f"sign of a different data file or --num-samples than the model was trained with "
        f"(the script's default: {data.recipe.default_num_samples or 'every pair'})")


def data_summary(data):
    """What the script built, as it prints it: the padded and stopping lengths cannot be
    checked against the model, so a user can compare them with the training log."""
    return (f"Number of samples: {len(data.pairs)}\nNumber of unique input tokens: "
            f"{len(data.source_tokens)}\nNumber of unique output tokens: "
            f"{len(data.target_tokens)}\nMax sequence length for inputs: "
            f"{data.max_encoder_seq_length}\nMax sequence length for outputs: "
            f"{data.max_decoder_seq_length}")
