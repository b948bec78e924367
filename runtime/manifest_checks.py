"""What can be wrong with a manifest's values: types, allowed values, the graphs and
tensors the format has for the model's kind and sizes. `first_problem` gives the first, as a
message for runtime.manifest.Manifest.from_json's ManifestError, or None."""

from runtime.manifest import (ATTENTIONS, GRAPH_FILES, JOINS, PRECISIONS, SHORTLIST_FILE,
                              SHORTLIST_OUTPUT_FILE, SUBWORD_MODELS, graph_io, graph_names)
from runtime.tokenize import LEVELS
from runtime.vocabulary import RESERVED

_DTYPES = ("int8", "int32", "int64", "float32")


def first_problem(values):
    """What is wrong with a manifest's values (types and allowed values), or None."""
    def positive(x):
        return isinstance(x, int) and not isinstance(x, bool) and x > 0

    tokenization, model = values["tokenization"], values["model"]
    if not isinstance(model, dict) or not all(
            positive(model.get(k)) for k in ("state_size", "source_vocab_size", "target_vocab_size")):
        return "model must give positive integer state_size, source_vocab_size, target_vocab_size"
    if values["format_version"] >= 3 and model.get("attention") not in ATTENTIONS:
        return f"model.attention {model.get('attention')!r} is not one of {ATTENTIONS}"
    if values["format_version"] == 2 and "attention" in model:
        return "model.attention is not part of format version 2 (which has no attention)"
    if not isinstance(tokenization, dict) or tokenization.get("level") not in LEVELS \
            or not isinstance(tokenization.get("lowercase"), bool):
        return f"tokenization must give a level in {LEVELS} and a boolean lowercase"
    if values["format_version"] >= 5 and not positive(model.get("output_size")):
        return "model.output_size must be a positive integer (format 5)"
    if tokenization.get("special_tokens") != {token: i for i, token in enumerate(RESERVED)}:
        return f"special_tokens {tokenization.get('special_tokens')!r} are not this format's"
    if not (positive(values["max_source_length"]) and positive(values["max_target_length"])):
        return "max_source_length and max_target_length must be positive integers"
    if not positive(values["opset"]):
        return "opset must be a positive integer"
    files = values["files"]
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              and len(v) == 64 for k, v in files.items()):
        return "files must map file names to SHA-256 hex digests"
    return (_subword_problem(values) or _format_4_problem(values) or _import_problem(values)
            or _graphs_problem(values) or _io_problem(values))


def _import_problem(values):
    """Format 6's tokenization fields (imported models), or None."""
    tokenization, version = values["tokenization"], values["format_version"]
    padding, join = tokenization.get("padding", "right"), tokenization.get("join")
    limit = tokenization.get("output_limit")
    if version < 6:
        extra = [key for key in ("join", "output_limit") if key in tokenization]
        if isinstance(padding, dict) or extra:
            return f"tokenization {extra or ['padding']} need format 6, not {version}"
        return None
    if padding != "right" and not (
            isinstance(padding, dict) and set(padding) == {"fixed_length", "token"}
            and isinstance(padding["fixed_length"], int) and padding["fixed_length"] > 0
            and (padding["token"] is None or isinstance(padding["token"], str))):
        return (f"tokenization.padding must be \"right\" or {{\"fixed_length\": int > 0, "
                f"\"token\": str or null}}, got {padding!r}")
    if join is not None and join not in JOINS:
        return f"tokenization.join must be one of {JOINS} or absent, got {join!r}"
    if limit is not None and not (
            isinstance(limit, dict) and set(limit) == {"separator", "characters"}
            and isinstance(limit["separator"], str) and isinstance(limit["characters"], int)
            and not isinstance(limit["characters"], bool) and limit["characters"] > 0):
        return (f"tokenization.output_limit must be null or {{\"separator\": str, "
                f"\"characters\": int > 0}}, got {limit!r}")
    return None


def _subword_problem(values):
    tokenization, version = values["tokenization"], values["format_version"]
    if tokenization["level"] != "subword":
        return None
    if version < 5:
        return f"the subword level needs format 5 or later, not {version}"
    if tokenization.get("subword_models") != SUBWORD_MODELS:
        return (f"tokenization.subword_models must be {SUBWORD_MODELS}, got "
                f"{tokenization.get('subword_models')!r}")
    missing = [f for f in SUBWORD_MODELS.values() if f not in values["files"]]
    return f"the subword model {missing[0]} has no hash in files" if missing else None


def _format_4_problem(values):
    if values["format_version"] < 4:
        return None
    if values["precision"] not in PRECISIONS:
        return f"precision {values['precision']!r} is not one of {PRECISIONS}"
    shortlist = values["shortlist"]
    if shortlist is None:
        return None
    if not (isinstance(shortlist, dict) and shortlist.get("file") == SHORTLIST_FILE
            and shortlist.get("output_layer") == SHORTLIST_OUTPUT_FILE
            and all(isinstance(shortlist.get(k), int) and not isinstance(shortlist.get(k), bool)
                    and shortlist[k] >= 0 for k in ("frequent", "per_source_token"))):
        return (f"shortlist must be null or {{'file': {SHORTLIST_FILE!r}, 'output_layer': "
                f"{SHORTLIST_OUTPUT_FILE!r}, 'frequent': int >= 0, 'per_source_token': "
                f"int >= 0}}, got {shortlist!r}")
    for file in (SHORTLIST_FILE, SHORTLIST_OUTPUT_FILE):
        if file not in values["files"]:
            return f"the shortlist's file {file} has no hash in files"
    return None


def _expected_graphs(values):
    return graph_names(values["format_version"], bool(values.get("shortlist")))


def _io_problem(values):
    """Graph tensors other than this format's for the model's kind and sizes, or None."""
    model = values["model"]
    attention = model.get("attention", "none")
    expected = graph_io(model["state_size"], model["target_vocab_size"], attention,
                        values["format_version"], bool(values.get("shortlist")),
                        values.get("precision", "float32"), model.get("output_size"))
    for graph, io in expected.items():
        for kind, specs in io.items():
            stated = values["graphs"][graph][kind]
            wanted = [spec.to_dict() for spec in specs]
            if [t["name"] for t in stated] != [t["name"] for t in wanted]:
                return (f"graphs.{graph}.{kind} are {[t['name'] for t in stated]}, but a model "
                        f"with attention {attention!r} has {[t['name'] for t in wanted]}")
            for tensor, want in zip(stated, wanted):
                if tensor != want:
                    return (f"graphs.{graph}.{kind}: {tensor['name']} is {tensor['dtype']} "
                            f"{tensor['shape']}, but the model's sizes (state_size "
                            f"{model['state_size']}, target_vocab_size "
                            f"{model['target_vocab_size']}) make it {want['dtype']} {want['shape']}")
    return None


def _graphs_problem(values):
    graphs, expected = values["graphs"], _expected_graphs(values)
    if not isinstance(graphs, dict) or set(graphs) != set(expected):
        return (f"graphs must describe exactly {sorted(expected)} (format "
                f"{values['format_version']}{', with a shortlist' if values.get('shortlist') else ''})")
    for graph in expected:
        spec, file = graphs[graph], GRAPH_FILES[graph]
        if not isinstance(spec, dict) or spec.get("file") != file:
            return f"graphs.{graph}.file must be {file!r}"
        if file not in values["files"]:
            return f"graph file {file} has no hash in files"
        for kind in ("inputs", "outputs"):
            tensors = spec.get(kind)
            if not isinstance(tensors, list) or not all(
                    isinstance(t, dict) and isinstance(t.get("name"), str)
                    and t.get("dtype") in _DTYPES and isinstance(t.get("shape"), list)
                    for t in tensors):
                return f"graphs.{graph}.{kind} must list tensors with name, dtype {_DTYPES}, shape"
    return None
