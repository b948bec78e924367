"""A Keras model file's config and weights, read as stored, without loading the model:
Keras 3 cannot load what Keras 2 wrote (a seq2seq .h5's LSTM config has `time_major`, and
the decoder's initial states are extra inbound tensors; tf_keras's Functional config in a
.keras), and a model file is only data to the importer.

- `.keras` (Keras 3 or tf_keras): config.json, and model.weights.h5 where a layer's weights
  are layers/<name>/[cell/]vars/<i> (h5py);
- `.h5` (Keras 2 or 3): the model_config attribute and model_weights/<name> (h5py);
- a SavedModel folder (Keras 2's `model.save("s2s")`, the keras-io script's Keras 2
  version): the root's config in keras_metadata.pb, and the variables, named
  <layer>/<cell>/<weight>:0, through tf.saved_model.load (TensorFlow).

read_keras_file(path) -> (the model's config {"class_name", "config"}, weights_of(layer
name) -> tuple of float32 arrays in the layer's order).
"""

import hashlib
import io
import json
import os
import zipfile

import numpy as np

from export.errors import ExportError

SAVED_MODEL_METADATA = "keras_metadata.pb"


def model_sha256(path):
    """SHA-256 of a model file, or of a SavedModel folder's files (relative path and content
    of each, in sorted order)."""
    digest = hashlib.sha256()
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names)
    for file in files:
        if file != path:
            digest.update(os.path.relpath(file, path).encode("utf-8") + b"\0")
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_keras_file(path):
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, SAVED_MODEL_METADATA)):
            return _saved_model_folder(path)
        raise ExportError(f"{path} is a folder but not a Keras SavedModel (no "
                          f"{SAVED_MODEL_METADATA}); expected a .keras or .h5 model file, or "
                          f"the folder Keras 2's model.save(\"s2s\") writes")
    if not os.path.isfile(path):
        raise ExportError(f"MODEL_FILE {path} does not exist")
    if zipfile.is_zipfile(path):
        return _keras_file(path)
    if _is_hdf5(path):
        return _h5_file(path)
    raise ExportError(f"{path} is neither a .keras (zip) nor a .h5 (HDF5) Keras model file")


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


def _saved_model_folder(path):
    with open(os.path.join(path, SAVED_MODEL_METADATA), "rb") as f:
        config = _root_config(f.read(), path)
    loaded = []

    def weights_of(name):
        if not loaded:
            import tensorflow as tf  # only for this format

            try:
                loaded.append(tf.saved_model.load(path))
            except Exception as error:  # TensorFlow raises many kinds
                raise ExportError(f"{path}: TensorFlow cannot load this SavedModel "
                                  f"({type(error).__name__}: {str(error)[:200]})") from None
        prefix = name + "/"
        return tuple(np.asarray(v.numpy(), np.float32) for v in loaded[0].variables
                     if v.name.startswith(prefix))

    return config, weights_of


def _root_config(data, path):
    """The root object's metadata JSON in keras_metadata.pb (a SavedMetadata protobuf:
    repeated field 1 = SavedObject {3: node_path, 5: metadata}), read without its .proto."""
    try:
        for field, node in _fields(data):
            if field != 1:
                continue
            values = dict(_fields(node))
            if values.get(3) == b"root" and 5 in values:
                return json.loads(values[5].decode("utf-8"))
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise ExportError(f"{path}/{SAVED_MODEL_METADATA}: unreadable ({error})") from None
    raise ExportError(f"{path}/{SAVED_MODEL_METADATA} holds no root model config")


def _fields(data):
    """(field number, value) of a protobuf message: varints as ints, length-delimited
    fields as bytes (the only wire types SavedMetadata uses, with 32/64-bit skipped)."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            size, position = _varint(data, position)
            value, position = data[position:position + size], position + size
        elif wire in (1, 5):
            value, position = None, position + (8 if wire == 1 else 4)
        else:
            raise ValueError(f"protobuf wire type {wire}")
        yield field, value


def _varint(data, position):
    result = shift = 0
    while True:
        byte = data[position]
        result |= (byte & 0x7F) << shift
        position += 1
        if not byte & 0x80:
            return result, position
        shift += 7
