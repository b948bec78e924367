"""Shared test fixtures. The real corpora live in ../shared/data beside the project."""

import collections
import os
import pathlib
import random

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
FRA_ENG = SHARED_DATA / "fra-eng" / "fra.txt"
MOVIE_LINES = SHARED_DATA / "cornell-movie-dialogs" / "movie_lines.txt"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def require(path):
    if not path.is_file():
        pytest.skip(f"real corpus not found at {path} (see ../shared/data/README.md)")
    return path


@pytest.fixture
def fra_eng():
    return require(FRA_ENG)


@pytest.fixture
def movie_lines():
    return require(MOVIE_LINES)


# Tiny trained runs of each supported kind (char, word), exported once per session; TensorFlow
# is imported only by tests that use them.

TINY = dict(embedding_dim=8, latent_dim=16, batch_size=32, patience=0, epochs=2, seed=5,
            val_fraction=0.1)


def word_pairs(count):
    words = "the a cat dog sees likes big small red blue".split()
    rng = random.Random(3)
    pairs = []
    for _ in range(count):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        pairs.append((sentence + " .", " ".join(reversed(sentence.split())) + " !"))
    return pairs


# name -> (level, attention): every attention kind, at every level between them.
KINDS = {"char": ("char", "none"), "word": ("word", "none"), "word-luong": ("word", "luong"),
         "char-bahdanau": ("char", "bahdanau"), "word-luong-dot": ("word", "luong-dot"),
         "subword-bahdanau": ("subword", "bahdanau")}
ATTENTION_KINDS = [name for name, (_, attention) in KINDS.items() if attention != "none"]
# The subword kind is the default preset's model in small, and more: dropout everywhere, a
# combination layer (the output layer's input) narrower than the LSTM, and an output layer
# tied to the target embedding.
EXTRA = {"subword-bahdanau": dict(subword_vocab_size=280, combine_dim=8, tie_embeddings=True,
                                  embedding_dropout=0.1, lstm_dropout=0.1,
                                  recurrent_dropout=0.1, output_dropout=0.1)}


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """{"char": run_dir, "word": run_dir, "word-luong": ..., ...} (KINDS) trained on
    synthetic data."""
    from tests.train.synthetic import reversal_pairs, write_pairs
    from train.config import make_config
    from train.trainer import train

    folder = tmp_path_factory.mktemp("runs")
    made = {}
    data = {"char": write_pairs(folder / "char.txt", reversal_pairs(600, seed=1)),
            "word": write_pairs(folder / "word.txt", word_pairs(600))}
    data["subword"] = data["word"]
    for name, (level, attention) in KINDS.items():
        # Attention models train longer, so that they write some output to attend with.
        settings = {**TINY, "epochs": 2 if attention == "none" else 6}
        config = make_config("word", data=str(data[level]), level=level, lowercase=False,
                             num_samples=600, attention=attention, **settings,
                             **EXTRA.get(name, {}))
        train(config, folder / name, verbose=0)
        made[name] = folder / name
    return made


@pytest.fixture(scope="session")
def exports(runs, tmp_path_factory):
    """{"char": (out_dir, manifest, report), "word": ..., ...} (KINDS)."""
    from export.exporter import export_run

    folder = tmp_path_factory.mktemp("exports")
    return {level: (folder / level, *export_run(run, folder / level, log=lambda line: None))
            for level, run in runs.items()}


# The word model with Luong attention: it writes real outputs (the plain word model, trained
# for 2 epochs, mostly writes none), and it covers attention with int8 and a shortlist.
SPEED_UPS_RUN = "word-luong"
# Its target vocabulary has 15 tokens: a shortlist of the default sizes would
# allow all of them. These small lists make the shortlist's effects visible. A tiny model
# does not pass the real gates (int8 gives 93% identical outputs here), so the fixture
# relaxes them to test the mechanics; tests/export/test_speed_ups.py's
# test_a_failed_gate_fails_the_export_and_keeps_the_old_one checks that a gate is enforced.
SMALL_SHORTLIST = {"shortlist": True, "shortlist_frequent": 2, "shortlist_per_token": 2}
RELAXED_GATE = (50.0, 100.0)


@pytest.fixture(scope="session")
def speed_ups(runs, tmp_path_factory):
    """{"int8": folder, "shortlist": folder, "int8-shortlist": folder} of the word-luong run."""
    from export import gates
    from export.exporter import export_run

    folder = tmp_path_factory.mktemp("speed_ups")
    options = {"int8": {"quantize": "int8"}, "shortlist": SMALL_SHORTLIST,
               "int8-shortlist": {"quantize": "int8", **SMALL_SHORTLIST}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(gates.REQUIREMENTS, "shortlist", RELAXED_GATE)
        patch.setitem(gates.REQUIREMENTS, "int8", RELAXED_GATE)
        for name, chosen in options.items():
            export_run(runs[SPEED_UPS_RUN], folder / name, log=lambda line: None, **chosen)
    return {name: folder / name for name in options}


# Tiny models trained by the seed tutorials' code paths (benchmarks.seed_scripts): keras-io's
# (Keras 3, .keras) and the word-level notebook's (Keras 2 via tf_keras, .h5), exported once.
SeedCase = collections.namedtuple("SeedCase", "model data_path num_samples data decoder out "
                                              "manifest report")
SEED_SAMPLES = 120  # keras-io's --num-samples here; the notebook reads every line


def seed_pairs(count):
    """Three columns, as the current manythings.org download; the last pairs add digits, so
    that reading fewer of them gives smaller vocabularies."""
    rows = []
    for number, (source, target) in enumerate(word_pairs(count)):
        extra = f" {number % 10}" if number >= 100 else ""
        rows.append(f"{source}{extra}\t{target}{extra}\tCC-BY 2.0 (France) Attribution")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="session")
def seed_models(tmp_path_factory):
    """{"keras-io": SeedCase, "word-notebook": SeedCase}."""
    import keras
    import tf_keras

    from benchmarks import seed_scripts
    from export.seed_export import export_seed_model

    folder = tmp_path_factory.mktemp("seeds")
    pairs = folder / "pairs.txt"
    pairs.write_text(seed_pairs(SEED_SAMPLES + 20), encoding="utf-8")
    cases = {}
    # Trained this little, the keras-io model ends its outputs with "\n", the notebook's runs
    # into its length rule: both ways the scripts stop are covered.
    for recipe, library, data, file, epochs, batch in (
            ("keras-io", keras, seed_scripts.KerasIoData(pairs, SEED_SAMPLES), "s2s_model.keras",
             1, 64),
            ("word-notebook", tf_keras, seed_scripts.NotebookData(pairs), "training_model.h5",
             3, 16)):
        model = seed_scripts.train(library, data, 16, epochs, batch, folder / file)
        samples = SEED_SAMPLES if recipe == "keras-io" else None
        exported = export_seed_model(folder / file, folder / recipe, recipe, pairs, samples,
                                     sentences=8, log=lambda line: None)
        cases[recipe] = SeedCase(folder / file, pairs, samples, data,
                                 seed_scripts.ScriptDecoder(library, model, data),
                                 folder / recipe, *exported)
    return cases
