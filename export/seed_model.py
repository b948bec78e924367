"""A model trained by a seed tutorial (keras-io `lstm_seq2seq`, the word-level notebook):
its layers found by the graph's wiring, not by name, and its weights read from the file.

The architecture (both tutorials):

    input A (batch, steps, source tokens) one-hot -> LSTM E (return_state)
    input B (batch, steps, target tokens) one-hot -> LSTM D (return_sequences,
        return_state, initial_state = E's states) -> Dense (softmax) -> the model's output

Read from the file's own config, so that every Keras writes a readable model:
- `.keras` (Keras 3, or tf_keras): config.json and model.weights.h5 in the zip, read with
  h5py (Keras 3 cannot load tf_keras's).
- `.h5` (Keras 2 and 3): the model_config attribute and the model_weights group, read with
  h5py. Keras 3 cannot load a Keras 2 seq2seq .h5 at all (its LSTM config has `time_major`,
  and the decoder's initial states are extra inbound tensors), so the weights are read as
  stored.
"""

import dataclasses
import io
import json
import os
import zipfile

import numpy as np

from export.errors import ExportError

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
    if os.path.isdir(path):
        raise ExportError(f"{path} is a folder; expected a .keras or .h5 model file. A Keras 2 "
                          f"`model.save(\"s2s\")` folder (a TensorFlow SavedModel) cannot be "
                          f"read by Keras 3: load it where it was trained and save it again "
                          f"with model.save(\"s2s_model.h5\")")
    if not os.path.isfile(path):
        raise ExportError(f"MODEL_FILE {path} does not exist")
    if zipfile.is_zipfile(path):
        config, weights_of = _keras_file(path)
    elif _is_hdf5(path):
        config, weights_of = _h5_file(path)
    else:
        raise ExportError(f"{path} is neither a .keras (zip) nor a .h5 (HDF5) Keras model file")
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


def _is_hdf5(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89HDF\r\n\x1a\n"


def _keras_file(path):
    """config.json and model.weights.h5 of a .keras zip, as Keras 3 and tf_keras (Keras 2)
    both write it: a layer's weights under layers/<name>/[cell/]vars/<i>, read with h5py
    (tf_keras's Functional config is not loadable by Keras 3)."""
    import h5py

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
    except (KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ExportError(f"{path}: not a Keras model file (no readable config.json and "
                          f"model.weights.h5: {error})") from None

    def weights_of(name):
        try:
            with h5py.File(io.BytesIO(weights), "r") as f:
                group = f.get(f"layers/{name}")
                if group is None:
                    raise ExportError(f"{path}: no weights stored for layer {name!r}")
                found = []
                group.visititems(lambda key, item: found.append((key, item[()])) if isinstance(
                    item, h5py.Dataset) else None)
        except OSError as error:
            raise ExportError(f"{path}: its model.weights.h5 is unreadable ({error})") from None
        # keys like "cell/vars/0": in variable order within each parent
        found.sort(key=lambda pair: (pair[0].rsplit("/", 1)[0], int(pair[0].rsplit("/", 1)[1])
                                     if pair[0].rsplit("/", 1)[1].isdigit() else 0))
        return tuple(np.asarray(value, np.float32) for _, value in found)

    return config, weights_of


def _h5_file(path):
    import h5py

    try:
        with h5py.File(path, "r") as f:
            text = f.attrs.get("model_config")
    except OSError as error:
        raise ExportError(f"{path}: unreadable HDF5 ({error})") from None
    if text is None:
        raise ExportError(f"{path} holds weights only (model.save_weights); export needs the "
                          f"whole model: save it with model.save(\"model.h5\")")
    try:
        config = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ExportError(f"{path}: its model_config is not readable JSON ({error})") from None

    def weights_of(name):
        try:
            with h5py.File(path, "r") as f:
                group = f.get("model_weights", f).get(name)
                if group is None:
                    raise ExportError(f"{path}: no weights stored for layer {name!r}")
                names = [n.decode("utf-8") if isinstance(n, bytes) else n
                         for n in group.attrs.get("weight_names", [])]
                return tuple(np.asarray(group[n], np.float32) for n in names)
        except (KeyError, OSError) as error:  # a damaged or truncated file
            raise ExportError(f"{path}: the weights of layer {name!r} cannot be read "
                              f"({error})") from None

    return config, weights_of


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
