"""Shared test fixtures. The real corpora live in ../shared/data beside the project."""

import os
import pathlib

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
