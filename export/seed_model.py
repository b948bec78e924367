"""A model trained by a seed tutorial (keras-io `lstm_seq2seq`, the word-level notebook):
its layers found by the graph's wiring, not by name, and its weights read from the file.

The architecture (both tutorials):

    input A (batch, steps, source tokens) one-hot -> LSTM E (return_state)
    input B (batch, steps, target tokens) one-hot -> LSTM D (return_sequences,
        return_state, initial_state = E's states) -> Dense (softmax) -> the model's output

The config and weights are read as stored (export.keras_files), not loaded by Keras, so
that the files every Keras writes are readable.
"""

import dataclasses
import os

from export.errors import ExportError
from export.keras_files import read_keras_file

EXPECTED = ("two Inputs, two LSTMs and a softmax Dense wired as the keras-io / notebook "
            "encoder-decoder (input -> LSTM with return_state; input -> LSTM with "
            "return_sequences whose initial_state is the first LSTM's states -> Dense)")
_LSTM_DEFAULTS = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
                  "go_backwards": False, "stateful": False, "time_major": False}


@dataclasses.dataclass(frozen=True)
class Layer:
    name: str
    kind: str        # the Keras class name
    config: dict
    inputs: tuple    # ((layer name, output index), ...) in call order


@dataclasses.dataclass(frozen=True)
class SeedModel:
    """The weights of a seed model's three layers, by role."""
    encoder: tuple   # LSTM kernel (source tokens, 4u), recurrent (u, 4u), bias (4u,)
    decoder: tuple   # the same, kernel (target tokens, 4u)
    dense: tuple     # kernel (u, target tokens), bias (target tokens,)
    names: dict      # role -> the layer's name in the file

    @property
    def units(self):
        return self.encoder[1].shape[0]

    @property
    def source_size(self):
        return self.encoder[0].shape[0]

    @property
    def target_size(self):
        return self.dense[0].shape[1]


def read_seed_model(path):
    """The model file's three layers and weights; ExportError saying what is wrong."""
    if os.path.isfile(os.path.join(path, "config.json")) and os.path.isdir(path):
        raise ExportError(f"{path} is a run of `python -m train`: export it without --recipe")
    config, weights_of = read_keras_file(path)
    try:
        layers = parse_layers(path, config)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ExportError(f"{path}: its model config is not a Keras functional model's "
                          f"({type(error).__name__}: {error})") from None
    roles = find_roles(path, layers)
    weights = {role: weights_of(layer.name) for role, layer in roles.items()}
    for role, count in (("encoder", 3), ("decoder", 3), ("dense", 2)):
        if len(weights[role]) != count:
            raise ExportError(f"{path}: layer {roles[role].name!r} has {len(weights[role])} "
                              f"stored weights; a {roles[role].kind} of the tutorials has "
                              f"{count} (kernel, {'recurrent kernel, ' * (count == 3)}bias)")
    model = SeedModel(weights["encoder"], weights["decoder"], weights["dense"],
                      {role: layer.name for role, layer in roles.items()})
    _check_shapes(path, model)
    return model


def parse_layers(path, config):
    """A functional model's config (Keras 2 or 3 form) -> [Layer]."""
    if config.get("class_name") not in ("Functional", "Model"):
        raise ExportError(f"{path} holds a {config.get('class_name')!r} model; expected a "
                          f"functional model: {EXPECTED}")
    return [Layer(layer.get("name") or layer["config"]["name"], layer["class_name"],
                  layer["config"], tuple(_inbound(layer.get("inbound_nodes", []))))
            for layer in config["config"]["layers"]]


def _inbound(nodes):
    """(layer name, output index) of every tensor a layer was called on, in order. Keras 3
    names them {"keras_history": [layer, node, index]}; Keras 2 as [layer, node, index, {}]."""
    if isinstance(nodes, dict):
        if "keras_history" in nodes:
            layer, _, index = nodes["keras_history"]
            yield layer, index
            return
        for value in nodes.values():
            yield from _inbound(value)
    elif isinstance(nodes, list):
        if len(nodes) == 4 and isinstance(nodes[0], str) and isinstance(nodes[2], int):
            yield nodes[0], nodes[2]
            return
        for value in nodes:
            yield from _inbound(value)


def find_roles(path, layers):
    """{"encoder", "decoder", "dense": Layer} by wiring; ExportError naming what differs."""
    kinds = sorted(layer.kind for layer in layers)
    if kinds != ["Dense", "InputLayer", "InputLayer", "LSTM", "LSTM"]:
        raise ExportError(f"{path}: expected {EXPECTED}; found layers {kinds}")
    inputs = {layer.name for layer in layers if layer.kind == "InputLayer"}
    encoder = [layer for layer in layers if layer.kind == "LSTM" and len(layer.inputs) == 1
               and layer.inputs[0][0] in inputs]
    decoder = [layer for layer in layers if layer.kind == "LSTM" and len(layer.inputs) == 3]
    if len(encoder) != 1 or len(decoder) != 1:
        raise ExportError(f"{path}: expected {EXPECTED}; found LSTMs called on "
                          f"{[list(layer.inputs) for layer in layers if layer.kind == 'LSTM']}")
    encoder, decoder = encoder[0], decoder[0]
    dense = next(layer for layer in layers if layer.kind == "Dense")
    wiring = [(decoder.inputs[0][0] in inputs and decoder.inputs[0][0] != encoder.inputs[0][0],
               "the second LSTM reads the other Input"),
              (decoder.inputs[1:] == ((encoder.name, 1), (encoder.name, 2)),
               "the second LSTM's initial_state is the first LSTM's (state_h, state_c)"),
              (dense.inputs == ((decoder.name, 0),), "the Dense reads the second LSTM's sequence")]
    for holds, rule in wiring:
        if not holds:
            raise ExportError(f"{path}: expected {EXPECTED}; but not: {rule} (found the "
                              f"LSTM {decoder.name!r} called on {list(decoder.inputs)} and the "
                              f"Dense on {list(dense.inputs)})")
    _check_settings(path, encoder, decoder, dense)
    return {"encoder": encoder, "decoder": decoder, "dense": dense}


def _check_settings(path, encoder, decoder, dense):
    needed = [(encoder, "return_state", True), (decoder, "return_sequences", True),
              (decoder, "return_state", True), (dense, "activation", "softmax"),
              (dense, "use_bias", True)]
    needed += [(lstm, key, value) for lstm in (encoder, decoder)
               for key, value in _LSTM_DEFAULTS.items()]
    for layer, key, value in needed:
        found = layer.config.get(key, _LSTM_DEFAULTS.get(key) if layer.kind == "LSTM" else None)
        if found != value:
            raise ExportError(f"{path}: layer {layer.name!r} ({layer.kind}) has {key}={found!r}; "
                              f"the import supports {key}={value!r}, as the tutorials build it")


def _check_shapes(path, model):
    u = model.units
    expected = {"encoder": [(model.source_size, 4 * u), (u, 4 * u), (4 * u,)],
                "decoder": [(model.target_size, 4 * u), (u, 4 * u), (4 * u,)],
                "dense": [(u, model.target_size), (model.target_size,)]}
    for role, shapes in expected.items():
        found = [w.shape for w in getattr(model, role)]
        if found != shapes:
            raise ExportError(f"{path}: layer {model.names[role]!r} has weights of shapes "
                              f"{found}; the architecture needs {shapes}")
