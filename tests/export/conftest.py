"""Tiny trained runs of each supported kind (char, word), exported once per session."""

import random

import pytest

from tests.train.synthetic import reversal_pairs, write_pairs
from train.config import make_config
from train.trainer import train

TINY = dict(embedding_dim=8, latent_dim=16, batch_size=32, patience=0, epochs=2, seed=5)


def word_pairs(count):
    words = "the a cat dog sees likes big small red blue".split()
    rng = random.Random(3)
    pairs = []
    for _ in range(count):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        pairs.append((sentence + " .", " ".join(reversed(sentence.split())) + " !"))
    return pairs


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """{"char": run_dir, "word": run_dir} trained on synthetic data."""
    folder = tmp_path_factory.mktemp("runs")
    made = {}
    for level, pairs in (("char", reversal_pairs(600, seed=1)), ("word", word_pairs(600))):
        data = write_pairs(folder / f"{level}.txt", pairs)
        config = make_config(data=str(data), level=level, lowercase=False, num_samples=600,
                             **TINY)
        train(config, folder / level, verbose=0)
        made[level] = folder / level
    return made


@pytest.fixture(scope="session")
def exports(runs, tmp_path_factory):
    """{"char": (out_dir, manifest, report), "word": ...}."""
    from export.exporter import export_run

    folder = tmp_path_factory.mktemp("exports")
    return {level: (folder / level, *export_run(run, folder / level, log=lambda line: None))
            for level, run in runs.items()}
