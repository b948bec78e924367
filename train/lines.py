"""Reading a text file line by line, robustly, with a report of what was skipped.

Shared by the corpus loaders: `.txt` or a member of a `.zip`, LF or CRLF, an optional UTF-8
byte-order mark, and per-line decoding so one bad line is reported (with its number) instead
of aborting the file or being silently misread.
"""

import codecs
import contextlib
import dataclasses
import os
import zipfile
import zlib

from train.errors import DataError

SHOWN_PROBLEMS = 5  # how many malformed lines a report quotes


@dataclasses.dataclass
class LoadReport:
    """What a loader read and what it skipped. Line numbers start at 1."""

    path: str
    lines: int = 0
    blank: int = 0
    malformed: int = 0
    examples: list = dataclasses.field(default_factory=list)  # [(line_number, reason)]
    filtered: dict = dataclasses.field(default_factory=dict)  # reason -> count
    pairs: int = 0

    def add_malformed(self, line_number, reason):
        self.malformed += 1
        if len(self.examples) < SHOWN_PROBLEMS:
            self.examples.append((line_number, reason))

    def add_filtered(self, reason, count=1):
        self.filtered[reason] = self.filtered.get(reason, 0) + count

    def raise_if_malformed(self):
        """For --strict: any malformed line is an error."""
        if self.malformed:
            raise DataError(f"{self.path}: {self.malformed} malformed lines ({self.problems()})")

    def problems(self):
        """'line 3: no tab; line 9: ...' for the first few malformed lines."""
        shown = "; ".join(f"line {n}: {reason}" for n, reason in self.examples)
        more = self.malformed - len(self.examples)
        return shown + (f"; and {more} more" if more > 0 else "")

    def summary(self):
        parts = [f"{self.pairs} pairs from {self.lines} lines of {self.path}"]
        if self.blank:
            parts.append(f"{self.blank} blank")
        parts += [f"{n} {reason}" for reason, n in sorted(self.filtered.items())]
        if self.malformed:
            parts.append(f"{self.malformed} malformed ({self.problems()})")
        return ", ".join(parts)


def read_lines(path, encoding, report):
    """Yield (line_number, text) for every non-blank, decodable line; record the rest.

    `path` is a text file, or a zip archive with one data `.txt` (manythings.org's
    `_about.txt` aside)."""
    decode = codecs.getdecoder(encoding)
    with _open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            report.lines = number
            raw = raw.rstrip(b"\r\n")
            if number == 1 and raw.startswith(codecs.BOM_UTF8) and _is_utf8(encoding):
                raw = raw[len(codecs.BOM_UTF8):]
            if b"\x00" in raw:
                report.add_malformed(number, "contains NUL bytes (binary data?)")
                continue
            try:
                text = decode(raw)[0]
            except UnicodeDecodeError as error:
                report.add_malformed(number, f"not valid {encoding} (byte 0x{raw[error.start]:02x}"
                                             f" at offset {error.start}); try --encoding latin-1")
                continue
            if not text.strip():
                report.blank += 1
                continue
            yield number, text


def _is_utf8(encoding):
    return codecs.lookup(encoding).name == "utf-8"


def check_data_path(path):
    """DataError unless `path` is a file (the CLI checks it before importing TensorFlow)."""
    if not os.path.exists(path):
        raise DataError(f"data file not found: {path}")
    if os.path.isdir(path):
        raise DataError(f"data path is a folder, expected a .txt or .zip file: {path}")


@contextlib.contextmanager
def _open_binary(path):
    check_data_path(path)
    try:
        if _looks_like_zip(path):
            with zipfile.ZipFile(path) as archive:
                with archive.open(_zip_member(path, archive)) as stream:
                    yield stream
        elif str(path).lower().endswith(".zip"):
            raise DataError(f"{path}: named .zip but not a zip archive (damaged, or another "
                            f"format); pass the extracted .txt file")
        else:
            with open(path, "rb") as stream:
                yield stream
    except PermissionError:
        raise DataError(f"data file is not readable (permission denied): {path}") from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise DataError(f"{path}: damaged zip archive ({error})") from None


def _looks_like_zip(path):
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04" or zipfile.is_zipfile(path)


def _zip_member(path, archive):
    names = archive.namelist()
    texts = [n for n in names if n.endswith(".txt") and os.path.basename(n) != "_about.txt"]
    if len(texts) != 1:
        raise DataError(f"{path}: expected exactly one data .txt in the archive, found {names}; "
                        f"extract the one you want and pass it as --data")
    return texts[0]
