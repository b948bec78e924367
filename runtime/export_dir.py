"""Loading an export directory with every check a service needs before it serves:
format version, SHA-256 of every file, vocabularies against the manifest, graph inputs and
outputs against the manifest, no external data. Each failure is an ExportLoadError naming
the file and what differs."""

import dataclasses
import hashlib
import os

import onnxruntime

from runtime import manifest as names
from runtime.errors import ExportLoadError, VocabularyError
from runtime.manifest import Manifest
from runtime.onnx_bytes import uses_external_data
from runtime.output_limit import OutputLimit
from runtime.shortlist import Shortlist
from runtime.subword import SubwordModelError, pieces_of
from runtime.tokenize import Tokenizer, subword_tokenizer
from runtime.vocabulary import PAD_ID, Vocabulary

_ORT_TYPES = {"int8": "tensor(int8)", "int32": "tensor(int32)", "int64": "tensor(int64)", "float32": "tensor(float)"}
REQUIRED_FILES = (names.ENCODER_FILE, names.DECODER_FILE, names.SOURCE_VOCAB_FILE,
                  names.TARGET_VOCAB_FILE)


@dataclasses.dataclass
class LoadedExport:
    folder: str
    manifest: Manifest
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    graphs: dict  # graph name (manifest.GRAPH_FILES) -> the verified ONNX bytes
    shortlist: object = None  # runtime.shortlist.Shortlist, for exports with a shortlist
    tokenizers: tuple = ()  # (source, target) runtime.tokenize.Tokenizer
    # (length, pad id) for a fixed-length encoder (runtime.vocabulary.fixed_length), or None
    encoder_padding: tuple | None = None
    output_limit: OutputLimit | None = None  # the seed tutorials' stopping rule, or None


def load_export(folder, shortlist=True):
    """Verify and read an export folder; shortlist=False skips parsing its shortlist (its
    files' hashes are still checked)."""
    folder = os.path.abspath(folder)
    if not os.path.exists(folder):
        raise ExportLoadError(f"{folder}: no such folder (expected an export directory)")
    if not os.path.isdir(folder):
        raise ExportLoadError(f"{folder}: not a folder (expected an export directory)")
    manifest = _read_manifest(folder)
    missing = [name for name in REQUIRED_FILES if name not in manifest.files]
    if missing:
        raise ExportLoadError(f"{_path(folder, names.MANIFEST_FILE)}: no hash for {missing}")
    contents = {name: _verified_bytes(folder, name, digest) for name, digest in manifest.files.items()}
    source_vocab = _vocabulary(folder, names.SOURCE_VOCAB_FILE, contents)
    target_vocab = _vocabulary(folder, names.TARGET_VOCAB_FILE, contents)
    _check_sizes(folder, manifest, source_vocab, target_vocab)
    tokenizers = tuple(_tokenizer(folder, manifest, side, vocab, contents)
                       for side, vocab in (("source", source_vocab), ("target", target_vocab)))
    graphs = {graph: contents[spec["file"]] for graph, spec in manifest.graphs.items()}
    parsed = None
    if manifest.shortlist and shortlist:
        parsed = Shortlist.from_files(contents[names.SHORTLIST_FILE],
                                      contents[names.SHORTLIST_OUTPUT_FILE], folder,
                                      len(source_vocab), manifest.model, manifest.precision)
    limit = manifest.tokenization.get("output_limit")
    return LoadedExport(folder, manifest, source_vocab, target_vocab, graphs, parsed, tokenizers,
                        _encoder_padding(folder, manifest, source_vocab),
                        OutputLimit(limit, target_vocab.tokens) if limit else None)


def _encoder_padding(folder, manifest, source_vocab):
    """(length, id of the padding token, or PAD_ID for all-zero inputs), or None."""
    if manifest.fixed_padding is None:
        return None
    length, token = manifest.fixed_padding
    if token is not None and token not in source_vocab.ids:
        raise ExportLoadError(f"{_path(folder, names.MANIFEST_FILE)}: the padding token "
                              f"{token!r} is not in {names.SOURCE_VOCAB_FILE}")
    return length, PAD_ID if token is None else source_vocab.ids[token]


def _tokenizer(folder, manifest, side, vocab, contents):
    """The side's Tokenizer; for subword exports from its SentencePiece model, whose pieces
    must be the vocabulary's tokens, id for id."""
    level, lowercase = manifest.tokenization["level"], manifest.tokenization["lowercase"]
    if level != "subword":
        return Tokenizer(level, lowercase, join=manifest.tokenization.get("join"))
    path = _path(folder, names.SUBWORD_MODELS[side])
    try:
        tokenizer = subword_tokenizer(contents[names.SUBWORD_MODELS[side]], lowercase, path)
    except SubwordModelError as error:
        raise ExportLoadError(str(error)) from None
    pieces = pieces_of(tokenizer.pieces.processor)
    if pieces != list(vocab.tokens):
        raise ExportLoadError(f"{path}: its {len(pieces)} pieces are not the "
                              f"{len(vocab)} tokens of the {side} vocabulary, id for id")
    return tokenizer


def _path(folder, name):
    return os.path.join(folder, name)


def _read_manifest(folder):
    path = _path(folder, names.MANIFEST_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ExportLoadError(f"{path}: missing; {folder} is not an export directory") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExportLoadError(f"{path}: unreadable ({error})") from None
    return Manifest.from_json(text, source=path)


def _verified_bytes(folder, name, expected):
    path = _path(folder, name)
    if os.path.basename(name) != name:
        raise ExportLoadError(f"{_path(folder, names.MANIFEST_FILE)}: file name {name!r} "
                              f"points outside the export directory")
    try:
        with open(path, "rb") as f:
            content = f.read()
    except OSError as error:
        raise ExportLoadError(f"{path}: unreadable ({error.strerror or error})") from None
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise ExportLoadError(f"{path}: SHA-256 {actual} differs from the manifest's {expected} "
                              f"(the file was changed or damaged after export)")
    return content


def _vocabulary(folder, name, contents):
    try:
        return Vocabulary.from_json(contents[name], _path(folder, name))
    except VocabularyError as error:
        raise ExportLoadError(str(error)) from None


def _check_sizes(folder, manifest, source_vocab, target_vocab):
    _, decoder_outputs = manifest.io_specs("decoder")
    graph_vocab = next((s.shape[-1] for s in decoder_outputs if s.name == names.PROBABILITIES), None)
    checks = [(names.SOURCE_VOCAB_FILE, len(source_vocab), manifest.model.get("source_vocab_size")),
              (names.TARGET_VOCAB_FILE, len(target_vocab), manifest.model.get("target_vocab_size")),
              (names.TARGET_VOCAB_FILE, len(target_vocab), graph_vocab)]
    for name, actual, expected in checks:
        if actual != expected:
            raise ExportLoadError(f"{_path(folder, name)}: {actual} tokens, but the manifest's "
                                  f"model and graphs have {expected}")


def check_io(session, specs, graph):
    """A graph's inputs/outputs against the manifest: a list of differences (empty = match)."""
    expected_inputs, expected_outputs = specs
    failures = []
    for kind, actual, expected in (("input", session.get_inputs(), expected_inputs),
                                   ("output", session.get_outputs(), expected_outputs)):
        found = [(a.name, a.type, tuple(a.shape)) for a in actual]
        wanted = [(e.name, _ORT_TYPES[e.dtype], tuple(e.shape)) for e in expected]
        if found != wanted:
            failures.append(f"{graph} {kind}s are {found}, the manifest says {wanted}")
    return failures


def create_session(loaded, graph, options, providers):
    """An InferenceSession for one verified graph, checked against the manifest."""
    path = _path(loaded.folder, loaded.manifest.graphs[graph]["file"])
    content = loaded.graphs[graph]
    try:
        external = uses_external_data(content)
    except ValueError as error:
        raise ExportLoadError(f"{path}: not a valid ONNX model ({error})") from None
    if external:
        raise ExportLoadError(f"{path}: refers to external data (weights outside the file, "
                              f"not covered by the manifest's hashes); such graphs are refused")
    try:
        # From the verified bytes, not the path: what runs is exactly what was hashed.
        session = onnxruntime.InferenceSession(content, sess_options=options, providers=providers)
    except Exception as error:  # onnxruntime raises its own Fail/InvalidGraph/... types
        raise ExportLoadError(f"{path}: onnxruntime cannot load it ({error})") from None
    differences = check_io(session, loaded.manifest.io_specs(graph), graph)
    if differences:
        raise ExportLoadError(f"{path}: " + "; ".join(differences))
    return session
