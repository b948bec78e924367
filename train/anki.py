"""The Tatoeba / manythings.org "anki" pairs format: `input<TAB>target[<TAB>attribution]`.

Accepts the two-column copy and the three-column current download, as `.txt` or the
distributed `.zip`, UTF-8 with or without BOM, LF or CRLF. Blank lines are skipped; any
other line that is not 2 or 3 tab-separated fields with non-empty text is malformed.
"""

from train.lines import LoadReport, read_lines


def load_anki_pairs(path, encoding="utf-8", strict=False):
    """Return ([(input_text, target_text), ...], LoadReport). Raises DataError if `strict`
    and any line is malformed."""
    report = LoadReport(str(path))
    pairs = list(anki_pairs(path, encoding, report))
    if strict:
        report.raise_if_malformed()
    return pairs, report


def anki_pairs(path, encoding, report, strict=False):
    """Yield (input_text, target_text) one line at a time (what `--stream` reads), counting
    in `report`; with `strict` a malformed line raises DataError at once."""
    for number, text in read_lines(path, encoding, report):
        fields = text.split("\t")
        problem = _field_problem(fields)
        if problem:
            report.add_malformed(number, problem)
            if strict:
                report.raise_if_malformed()
            continue
        report.pairs += 1
        yield fields[0].strip(), fields[1].strip()


def _field_problem(fields):
    if len(fields) == 1:
        return "no tab (expected input<TAB>target)"
    if len(fields) > 3:
        return f"{len(fields)} tab-separated fields (expected 2 or 3)"
    if not fields[0].strip():
        return "empty input text"
    if not fields[1].strip():
        return "empty target text"
    return None
