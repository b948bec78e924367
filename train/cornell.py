"""The Cornell Movie-Dialogs Corpus as statement -> reply pairs, for a chatbot.

`movie_lines.txt` holds one utterance a line (the published file is ISO-8859-1):
    L1045 +++$+++ u0 +++$+++ m0 +++$+++ BIANCA +++$+++ They do not!
When `movie_conversations.txt` sits beside it, each listed conversation gives its
consecutive utterances as pairs. Without it, L194 -> L195 is taken as an exchange when both
lines are in the same movie and spoken by different characters (a speaker continuing
their own turn is not a reply).
"""

import dataclasses
import os
import re

from train.lines import LoadReport, read_lines

SEPARATOR = " +++$+++ "
CONVERSATIONS_FILE = "movie_conversations.txt"
_LINE_ID = re.compile(r"L(\d+)")


@dataclasses.dataclass(frozen=True)
class Utterance:
    number: int  # the line id's digits: L1045 -> 1045
    character: str
    movie: str
    text: str


def load_cornell_pairs(path, encoding="iso-8859-1", strict=False, lowercase=False,
                       max_length=None):
    """Return ([(statement, reply), ...], LoadReport). `max_length` (characters) drops pairs
    with a longer side; the NLP-in-Action chatbot uses 100."""
    report = LoadReport(str(path))
    utterances = _read_utterances(path, encoding, report)
    if strict:
        report.raise_if_malformed()
    conversations_path = os.path.join(os.path.dirname(os.path.abspath(path)), CONVERSATIONS_FILE)
    if os.path.exists(conversations_path):
        pairs = _pairs_from_conversations(conversations_path, utterances, encoding, report,
                                          strict)
    else:
        pairs = _pairs_from_consecutive_ids(utterances, report)
    pairs = _clean(pairs, lowercase, max_length, report)
    report.pairs = len(pairs)
    return pairs, report


def _read_utterances(path, encoding, report):
    utterances = {}
    for number, text in read_lines(path, encoding, report):
        if text.endswith(SEPARATOR.rstrip()):
            text += " "  # an empty utterance whose trailing space was trimmed
        fields = text.split(SEPARATOR)
        match = _LINE_ID.fullmatch(fields[0]) if len(fields) == 5 else None
        if match is None:
            report.add_malformed(number, f"expected 5 fields 'L<id>{SEPARATOR}...' "
                                         f"separated by '{SEPARATOR.strip()}'")
            continue
        utterance = Utterance(int(match.group(1)), fields[1], fields[2], fields[4].strip())
        utterances[utterance.number] = utterance
    return utterances


def _pairs_from_consecutive_ids(utterances, report):
    pairs = []
    for number in sorted(utterances):  # the file lists ids in descending order
        statement = utterances[number]
        reply = utterances.get(number + 1)
        if reply is None or reply.movie != statement.movie:
            continue
        if reply.character == statement.character:
            report.add_filtered("same-speaker continuations")
            continue
        pairs.append((statement.text, reply.text))
    return pairs


def _pairs_from_conversations(path, utterances, encoding, report, strict):
    pairs = []
    conversation_report = LoadReport(path)
    for number, text in read_lines(path, encoding, conversation_report):
        ids = [int(i) for i in _LINE_ID.findall(text.split(SEPARATOR)[-1])]
        if len(ids) < 2:
            conversation_report.add_malformed(number, "no list of line ids")
        for first, second in zip(ids, ids[1:]):
            if first in utterances and second in utterances:
                pairs.append((utterances[first].text, utterances[second].text))
            else:
                report.add_filtered("conversation lines missing from movie_lines")
    if strict:
        conversation_report.raise_if_malformed()
    if conversation_report.malformed:
        report.add_filtered(f"malformed lines in {CONVERSATIONS_FILE}",
                            conversation_report.malformed)
    return pairs


def _clean(pairs, lowercase, max_length, report):
    kept = []
    for statement, reply in pairs:
        if not statement or not reply:
            report.add_filtered("pairs with an empty utterance")
            continue
        if max_length is not None and max(len(statement), len(reply)) > max_length:
            report.add_filtered(f"pairs longer than {max_length} characters")
            continue
        if lowercase:
            statement, reply = statement.lower(), reply.lower()
        kept.append((statement, reply))
    return kept
