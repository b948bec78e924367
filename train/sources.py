"""Where training pairs come from: a user's file, the shared copy, or the standard download.

`load_pairs` picks the loader from the file (a Cornell `movie_lines.txt`, or anki pairs);
`default_data_path` finds `../shared/data/fra-eng/fra.txt` beside the project, and falls
back to downloading `fra-eng.zip` from manythings.org/anki (the keras-io example's origin)
through Keras's file cache, or from TensorFlow's mirror of it when manythings.org refuses
(it is known to turn away non-browser clients).
"""

import os
import pathlib
import zipfile
import zlib

from train.anki import load_anki_pairs
from train.cornell import SEPARATOR, load_cornell_pairs
from train.errors import DataError

FRA_ENG_URLS = (
    "http://www.manythings.org/anki/fra-eng.zip",
    "http://storage.googleapis.com/download.tensorflow.org/data/fra-eng.zip",
)
FORMATS = ("auto", "anki", "cornell")
_PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[1]
_SHARED_FRA_ENG = pathlib.Path("..", "shared", "data", "fra-eng", "fra.txt")


def shared_fra_eng_path():
    """The shared Tatoeba copy beside the project (or the working folder), or None."""
    for base in (_PROJECT_ROOT, pathlib.Path.cwd()):
        candidate = (base / _SHARED_FRA_ENG).resolve()
        if candidate.is_file():
            return str(candidate)
    return None


def default_data_path(origins=FRA_ENG_URLS, cache_dir=None):
    """The shared copy if present, else the downloaded (and cached) `fra-eng.zip`."""
    return shared_fra_eng_path() or download_fra_eng(origins, cache_dir)


def download_fra_eng(origins=FRA_ENG_URLS, cache_dir=None):
    """Download `fra-eng.zip` once into Keras's cache (~/.keras/datasets) and return its path,
    trying each origin in turn. The zip is read in place by the anki loader."""
    import keras  # deferred: the loaders themselves need no TensorFlow

    if cache_dir is not None:
        # get_file silently falls back to /tmp/.keras when the folder does not exist yet
        os.makedirs(cache_dir, exist_ok=True)
    failures = []
    for origin in origins:
        try:
            path = keras.utils.get_file("fra-eng.zip", origin=origin, cache_dir=cache_dir,
                                        cache_subdir="datasets")
        except Exception as error:  # get_file raises plain Exception for HTTP and URL errors
            failures.append(f"{origin}: {error}")
            continue
        if _intact_zip(path):
            return path
        # get_file writes in place: a killed download or an HTML error page served as 200
        # would otherwise count as cached for ever.
        os.unlink(path)
        failures.append(f"{origin}: not a complete zip archive (removed from the cache)")
    raise DataError(f"could not download fra-eng.zip ({'; '.join(failures)}); download it "
                    f"yourself and pass --data PATH")


def _intact_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None  # checks every member's CRC
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return False


def detect_format(path):
    """'cornell' for a movie_lines.txt-style file, else 'anki'."""
    if os.path.basename(path).startswith("movie_lines"):
        return "cornell"
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return "anki"  # let the loader report the real problem
    return "cornell" if SEPARATOR.encode() in head else "anki"


def load_pairs(path, data_format="auto", encoding=None, strict=False):
    """Return (pairs, LoadReport) from an anki or Cornell file, as `data_format` says."""
    if data_format not in FORMATS:
        raise DataError(f"data format must be one of {FORMATS}, got {data_format!r}")
    if data_format == "auto":
        data_format = detect_format(path)
    if data_format == "cornell":
        return load_cornell_pairs(path, encoding=encoding or "iso-8859-1", strict=strict)
    return load_anki_pairs(path, encoding=encoding or "utf-8", strict=strict)
