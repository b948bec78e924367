"""The export format: the one place that names an export's files and graph tensors.

An export directory holds:
    manifest.json      this dataclass, as JSON
    encoder.onnx       source_tokens (batch, source_length) int32
                         -> state_h, state_c (batch, state_size) float32
                            [attention: encoder_outputs (batch, source_length, state_size),
                             zero past each row's length]
    decoder.onnx       previous_token (batch,) int32, state_h, state_c (batch, state_size)
                         [attention: encoder_outputs, source_lengths (batch,) int32]
                         -> probabilities (batch, target_vocab_size), state_h_out, state_c_out,
                            next_token (batch,) int32: the argmax, so a GPU step need not
                            copy the probabilities to the host
                            [attention: attention_weights (batch, source_length), 0 past
                             each row's length]
    source_vocab.json  JSON lists, position = id (runtime.vocabulary)
    target_vocab.json
    parity.json        the proofs the exporter ran against Keras
Export writes it; the runtime reads it. Both use only the names below.
"""

import dataclasses
import json

from runtime.errors import ManifestError
from runtime.tokenize import LEVELS
from runtime.vocabulary import RESERVED

FORMAT_VERSION = 3  # 2: the decoder also outputs next_token; 3: model.attention
READABLE_VERSIONS = (2, 3)  # a version 2 manifest is a model without attention
ATTENTIONS = ("none", "luong", "luong-dot", "bahdanau")  # model.attention
MANIFEST_FILE = "manifest.json"
ENCODER_FILE = "encoder.onnx"
DECODER_FILE = "decoder.onnx"
SOURCE_VOCAB_FILE = "source_vocab.json"
TARGET_VOCAB_FILE = "target_vocab.json"
PARITY_FILE = "parity.json"

SOURCE_TOKENS = "source_tokens"
STATE_H, STATE_C = "state_h", "state_c"
PREVIOUS_TOKEN = "previous_token"
PROBABILITIES = "probabilities"
NEXT_TOKEN = "next_token"
STATE_H_OUT, STATE_C_OUT = "state_h_out", "state_c_out"
ENCODER_OUTPUTS = "encoder_outputs"
SOURCE_LENGTHS = "source_lengths"
ATTENTION_WEIGHTS = "attention_weights"


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: str    # "int32" or "float32"
    shape: tuple  # ints for fixed sizes, strings for dynamic ones ("batch", "source_length")

    def to_dict(self):
        """As stored in manifest.json (the shape a JSON list)."""
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, values):
        return cls(values["name"], values["dtype"], tuple(values["shape"]))


def graph_io(state_size, target_vocab_size, attention="none"):
    """{"encoder": {"inputs": [...], "outputs": [...]}, "decoder": {...}} of TensorSpecs."""
    state = ("batch", state_size)
    io = {
        "encoder": {
            "inputs": [TensorSpec(SOURCE_TOKENS, "int32", ("batch", "source_length"))],
            "outputs": [TensorSpec(STATE_H, "float32", state), TensorSpec(STATE_C, "float32", state)],
        },
        "decoder": {
            "inputs": [TensorSpec(PREVIOUS_TOKEN, "int32", ("batch",)),
                       TensorSpec(STATE_H, "float32", state), TensorSpec(STATE_C, "float32", state)],
            "outputs": [TensorSpec(PROBABILITIES, "float32", ("batch", target_vocab_size)),
                        TensorSpec(STATE_H_OUT, "float32", state),
                        TensorSpec(STATE_C_OUT, "float32", state),
                        TensorSpec(NEXT_TOKEN, "int32", ("batch",))],
        },
    }
    if attention != "none":
        memory = TensorSpec(ENCODER_OUTPUTS, "float32", ("batch", "source_length", state_size))
        io["encoder"]["outputs"].append(memory)
        io["decoder"]["inputs"] += [memory, TensorSpec(SOURCE_LENGTHS, "int32", ("batch",))]
        io["decoder"]["outputs"].append(
            TensorSpec(ATTENTION_WEIGHTS, "float32", ("batch", "source_length")))
    return io


@dataclasses.dataclass
class Manifest:
    format_version: int
    model: dict             # kind, attention, state_size, embedding_dim, vocab sizes
    tokenization: dict      # level, lowercase, special_tokens {name: id}
    max_source_length: int  # longest input of the run's pairs (training and validation), tokens
    max_target_length: int  # longest target of the run's pairs, in tokens (without start/end)
    graphs: dict            # {"encoder": {"file", "inputs", "outputs"}, "decoder": {...}}
    opset: int
    files: dict             # file name -> SHA-256 hex digest
    versions: dict          # keras, tensorflow, tf2onnx, onnx, onnxruntime used to export
    training: dict          # summary of the run's config and results

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text, source="manifest.json"):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ManifestError(f"{source}: not valid JSON ({error})") from None
        if not isinstance(values, dict):
            raise ManifestError(f"{source}: expected a JSON object")
        version = values.get("format_version")
        if version not in READABLE_VERSIONS:
            raise ManifestError(f"{source}: format version {version!r} is not supported "
                                f"(this runtime reads versions {list(READABLE_VERSIONS)}; "
                                f"export the run again with this version's `python -m export`)")
        names = {f.name for f in dataclasses.fields(cls)}
        if set(values) != names:
            raise ManifestError(f"{source}: fields differ from the format: missing "
                                f"{sorted(names - set(values))}, unknown {sorted(set(values) - names)}")
        problem = _first_problem(values)
        if problem:
            raise ManifestError(f"{source}: {problem}")
        return cls(**values)

    @property
    def attention(self):
        """The model's attention kind; "none" for version 2 manifests, which predate it."""
        return self.model.get("attention", "none")

    def io_specs(self, graph):
        """(inputs, outputs) of `graph` ("encoder"/"decoder") as TensorSpecs."""
        spec = self.graphs[graph]
        return ([TensorSpec.from_dict(t) for t in spec["inputs"]],
                [TensorSpec.from_dict(t) for t in spec["outputs"]])


GRAPH_FILES = {"encoder": ENCODER_FILE, "decoder": DECODER_FILE}
_DTYPES = ("int32", "float32")


def _first_problem(values):
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
        return "tokenization must give level 'char' or 'word' and a boolean lowercase"
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
    return _graphs_problem(values["graphs"]) or _io_problem(values)


def _io_problem(values):
    """Graph tensors other than this format's for the model's kind and sizes, or None."""
    model = values["model"]
    attention = model.get("attention", "none")
    expected = graph_io(model["state_size"], model["target_vocab_size"], attention)
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


def _graphs_problem(graphs):
    if not isinstance(graphs, dict) or set(graphs) != set(GRAPH_FILES):
        return f"graphs must describe exactly {sorted(GRAPH_FILES)}"
    for graph, file in GRAPH_FILES.items():
        spec = graphs[graph]
        if not isinstance(spec, dict) or spec.get("file") != file:
            return f"graphs.{graph}.file must be {file!r}"
        for kind in ("inputs", "outputs"):
            tensors = spec.get(kind)
            if not isinstance(tensors, list) or not all(
                    isinstance(t, dict) and isinstance(t.get("name"), str)
                    and t.get("dtype") in _DTYPES and isinstance(t.get("shape"), list)
                    for t in tensors):
                return f"graphs.{graph}.{kind} must list tensors with name, dtype {_DTYPES}, shape"
    return None
