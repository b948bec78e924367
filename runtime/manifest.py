"""The export format: the one place that names an export's files and graph tensors.

An export directory holds:
    manifest.json      this dataclass, as JSON
    encoder.onnx       source_tokens (batch, source_length) int32
                         -> state_h, state_c (batch, state_size) float32
                            [attention: encoder_outputs (batch, source_length, state_size),
                             zero past each row's length]
    decoder.onnx       one step, every output: previous_token (batch,) int32, state_h,
                         state_c (batch, state_size) [attention: encoder_outputs,
                         source_lengths (batch,) int32]
                         -> probabilities (batch, target_vocab_size), state_h_out,
                            state_c_out, next_token (batch,) int32 (the argmax)
                            [attention: attention_weights (batch, source_length)]
    decoder_greedy.onnx  (format 4) the same step without the softmax: -> next_token and the
                         states [and attention_weights]; what greedy decoding runs
    decoder_top_k.onnx   (format 4) the step's top_k (1,) int64 likeliest tokens:
                         -> top_log_probabilities (batch, k), top_ids (batch, k) int32 and
                            the states [and attention_weights]; what beam search runs
    decoder_greedy_shortlist.onnx, decoder_top_k_shortlist.onnx  (exports with a shortlist)
                         the same over the batch's candidate_ids (candidates,) int32 only:
                         their part of the output layer's kernel, candidate_kernel
                         (candidates, state_size) (int8 exports: (state_size, candidates),
                         with candidate_scale), candidate_bias,
                         and candidate_mask (batch, candidates) float32: 0 where a row may
                         emit the candidate, -inf where it may not; ids out are vocabulary ids
    shortlist.json     (exports with a shortlist) runtime.shortlist's candidate lists
    shortlist_output.npz  (exports with a shortlist) the output layer, whose columns the runtime
                       takes for each batch's candidates (int8 exports: the quantized ones)
    source_vocab.json  JSON lists, position = id (runtime.vocabulary)
    target_vocab.json
    source_subword.model, target_subword.model  (format 5, subword level) the SentencePiece
                       models whose pieces the vocabularies list, id for id (runtime.subword)
    parity.json        the proofs the exporter ran against Keras, and the quality gates
Export writes it; the runtime reads it. Both use only the names below.
"""

import dataclasses
import json

from runtime.errors import ManifestError

# 2: the decoder also outputs next_token; 3: model.attention; 4: lean step graphs
# (decoder_greedy, decoder_top_k), precision, shortlist; 5: subword level, model.output_size;
# 6: models imported from the seed tutorials: fixed-length padding, tokenization.join,
# tokenization.output_limit
FORMAT_VERSION = 6
# What exports of this project's own runs are written as: format 6 adds only what imported
# models need, so runs stay readable by runtimes that read up to 5.
RUN_FORMAT_VERSION = 5
READABLE_VERSIONS = (2, 3, 4, 5, 6)  # versions 2 and 3 have only encoder.onnx and decoder.onnx
JOINS = ("spaces",)  # tokenization.join: output tokens joined by single spaces (default: the
                     # level's own, runtime.tokenize.detokenize)
ATTENTIONS = ("none", "luong", "luong-dot", "bahdanau")  # model.attention
PRECISIONS = ("float32", "int8")  # precision: the graphs' weights (int8: dynamic quantization)
MANIFEST_FILE = "manifest.json"
ENCODER_FILE = "encoder.onnx"
DECODER_FILE = "decoder.onnx"
SOURCE_VOCAB_FILE = "source_vocab.json"
TARGET_VOCAB_FILE = "target_vocab.json"
SOURCE_SUBWORD_FILE = "source_subword.model"
TARGET_SUBWORD_FILE = "target_subword.model"
SUBWORD_MODELS = {"source": SOURCE_SUBWORD_FILE, "target": TARGET_SUBWORD_FILE}
SHORTLIST_FILE = "shortlist.json"
SHORTLIST_OUTPUT_FILE = "shortlist_output.npz"
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
TOP_K = "top_k"
TOP_LOG_PROBABILITIES = "top_log_probabilities"
TOP_IDS = "top_ids"
CANDIDATE_IDS = "candidate_ids"
CANDIDATE_MASK = "candidate_mask"
CANDIDATE_KERNEL = "candidate_kernel"
CANDIDATE_BIAS = "candidate_bias"
CANDIDATE_SCALE = "candidate_scale"  # int8 exports

# graph -> file. The lean graphs exist from format 4 on, the shortlist ones with a shortlist.
GRAPH_FILES = {"encoder": ENCODER_FILE, "decoder": DECODER_FILE,
               "decoder_greedy": "decoder_greedy.onnx", "decoder_top_k": "decoder_top_k.onnx",
               "decoder_greedy_shortlist": "decoder_greedy_shortlist.onnx",
               "decoder_top_k_shortlist": "decoder_top_k_shortlist.onnx"}
LEAN_GRAPHS = ("decoder_greedy", "decoder_top_k")
SHORTLIST_GRAPHS = ("decoder_greedy_shortlist", "decoder_top_k_shortlist")


def graph_names(version=None, shortlist=False):
    """The graphs an export of `version` (default: this one's) has, in GRAPH_FILES order."""
    if (version or FORMAT_VERSION) < 4:
        return ("encoder", "decoder")
    return ("encoder", "decoder", *LEAN_GRAPHS, *(SHORTLIST_GRAPHS if shortlist else ()))


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: str    # "int8", "int32", "int64" or "float32"
    shape: tuple  # ints for fixed sizes, strings for dynamic ones ("batch", "source_length")

    def to_dict(self):
        """As stored in manifest.json (the shape a JSON list)."""
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, values):
        return cls(values["name"], values["dtype"], tuple(values["shape"]))


def graph_io(state_size, target_vocab_size, attention="none", version=None, shortlist=False,
             precision="float32", output_size=None):
    """{graph: {"inputs": [...], "outputs": [...]}} of TensorSpecs, for the graphs that
    graph_names(version, shortlist) lists; precision: of the shortlist graphs' output layer
    inputs (int8: the quantized kernel's columns with their scales); output_size: the width
    of the output layer's input (default state_size; narrower with --combine-dim)."""
    features = output_size or state_size
    state = ("batch", state_size)
    states = [TensorSpec(STATE_H_OUT, "float32", state), TensorSpec(STATE_C_OUT, "float32", state)]
    step_inputs = [TensorSpec(PREVIOUS_TOKEN, "int32", ("batch",)),
                   TensorSpec(STATE_H, "float32", state), TensorSpec(STATE_C, "float32", state)]
    encoder_outputs = [TensorSpec(STATE_H, "float32", state), TensorSpec(STATE_C, "float32", state)]
    weights = []
    if attention != "none":
        memory = TensorSpec(ENCODER_OUTPUTS, "float32", ("batch", "source_length", state_size))
        encoder_outputs.append(memory)
        step_inputs += [memory, TensorSpec(SOURCE_LENGTHS, "int32", ("batch",))]
        weights = [TensorSpec(ATTENTION_WEIGHTS, "float32", ("batch", "source_length"))]
    next_token = TensorSpec(NEXT_TOKEN, "int32", ("batch",))
    top = [TensorSpec(TOP_LOG_PROBABILITIES, "float32", ("batch", "k")),
           TensorSpec(TOP_IDS, "int32", ("batch", "k"))]
    k = [TensorSpec(TOP_K, "int64", (1,))]
    candidates = [TensorSpec(CANDIDATE_IDS, "int32", ("candidates",)),
                  TensorSpec(CANDIDATE_KERNEL, "int8", (features, "candidates"))
                  if precision == "int8" else  # float32: rows, for Gemm's transB
                  TensorSpec(CANDIDATE_KERNEL, "float32", ("candidates", features)),
                  TensorSpec(CANDIDATE_BIAS, "float32", ("candidates",))]
    if precision == "int8":
        candidates.append(TensorSpec(CANDIDATE_SCALE, "float32", ("candidates",)))
    candidates.append(TensorSpec(CANDIDATE_MASK, "float32", ("batch", "candidates")))
    every = {
        "encoder": (
            [TensorSpec(SOURCE_TOKENS, "int32", ("batch", "source_length"))], encoder_outputs),
        "decoder": (step_inputs, [TensorSpec(PROBABILITIES, "float32", ("batch", target_vocab_size)),
                                  *states, next_token, *weights]),
        "decoder_greedy": (step_inputs, [next_token, *states, *weights]),
        "decoder_top_k": (step_inputs + k, [*top, *states, *weights]),
        "decoder_greedy_shortlist": (step_inputs + candidates, [next_token, *states, *weights]),
        "decoder_top_k_shortlist": (step_inputs + candidates + k, [*top, *states, *weights]),
    }
    return {graph: {"inputs": list(every[graph][0]), "outputs": list(every[graph][1])}
            for graph in graph_names(version, shortlist)}


@dataclasses.dataclass
class Manifest:
    format_version: int
    model: dict             # kind, attention, state_size, embedding_dim, vocab sizes,
                            # output_size (format 5: the output layer's input width); for
                            # imported models embedding_dim is null and input "one-hot"
    tokenization: dict      # level, lowercase, special_tokens {name: id}, padding, and for
                            # the subword level subword_models {"source", "target": file}.
                            # padding: "right" (PAD_ID after the tokens; the encoder stops at
                            # each row's length) or, format 6, {"fixed_length": L, "token": t}:
                            # the encoder reads every row padded to L tokens with token t, or
                            # with all-zero inputs where t is null (imported models). Format 6
                            # may add join (JOINS) and output_limit {"separator", "characters"}:
                            # an output stops once its tokens, each written after the
                            # separator, are longer than that many characters.
    max_source_length: int  # longest input of the run's pairs (training and validation), tokens
    max_target_length: int  # longest target of the run's pairs, in tokens (without start/end)
    graphs: dict            # {graph: {"file", "inputs", "outputs"}} for graph_names(...)
    opset: int
    files: dict             # file name -> SHA-256 hex digest
    versions: dict          # keras, tensorflow, tf2onnx, onnx, onnxruntime used to export
    training: dict          # summary of the run's config and results
    # Format 4 on (older manifests lack them and read as float32 without a shortlist):
    precision: str = "float32"  # the graphs' weights: "float32", or "int8" (quantized)
    # {"file", "output_layer", "frequent", "per_source_token"} (runtime.shortlist)
    shortlist: dict | None = None

    def to_json(self):
        values = dataclasses.asdict(self)
        if self.format_version < 4:  # as those formats were written
            del values["precision"], values["shortlist"]
        return json.dumps(values, ensure_ascii=False, indent=2) + "\n"

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
            newer = isinstance(version, int) and version > FORMAT_VERSION
            advice = ("it was written by a newer `python -m export`: upgrade this runtime "
                      "(pip install -U lstm-seq2seq-onnx)" if newer else
                      "export the run again with this version's `python -m export`")
            raise ManifestError(f"{source}: format version {version!r} is not supported "
                                f"(this runtime reads versions {list(READABLE_VERSIONS)}; "
                                f"{advice})")
        names = {f.name for f in dataclasses.fields(cls)}
        if version < 4:
            names -= {"precision", "shortlist"}
        if set(values) != names:
            raise ManifestError(f"{source}: fields differ from the format: missing "
                                f"{sorted(names - set(values))}, unknown {sorted(set(values) - names)}")
        from runtime.manifest_checks import first_problem  # it reads this module's names

        problem = first_problem(values)
        if problem:
            raise ManifestError(f"{source}: {problem}")
        return cls(**values)

    @property
    def output_size(self):
        """The output layer's input width: model.output_size, or state_size before format 5."""
        return self.model.get("output_size", self.model["state_size"])

    @property
    def fixed_padding(self):
        """(length, token or None) when the encoder reads fixed-length rows, else None."""
        padding = self.tokenization.get("padding")
        return (padding["fixed_length"], padding["token"]) if isinstance(padding, dict) else None

    @property
    def attention(self):
        """The model's attention kind; "none" for version 2 manifests, which predate it."""
        return self.model.get("attention", "none")

    def io_specs(self, graph):
        """(inputs, outputs) of `graph` (a GRAPH_FILES key) as TensorSpecs."""
        spec = self.graphs[graph]
        return ([TensorSpec.from_dict(t) for t in spec["inputs"]],
                [TensorSpec.from_dict(t) for t in spec["outputs"]])
