"""Does an ONNX model refer to external data? Answered from the serialized bytes with a
minimal protobuf walk, since the runtime cannot depend on the `onnx` package.

onnxruntime resolves external data relative to the working directory when a model is
loaded from bytes, so loading from bytes alone does not refuse it: this check does.
"""

# ModelProto.graph=7; GraphProto.node=1, initializer=5, sparse_initializer=15;
# NodeProto.attribute=5; AttributeProto.t=5, g=6, tensors=10, graphs=11;
# SparseTensorProto.values=1, indices=2; TensorProto.external_data=13, data_location=14.
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL


def uses_external_data(model_bytes):
    return any(_graph_external(graph) for graph in _submessages(model_bytes, 7))


def _graph_external(graph):
    tensors = list(_submessages(graph, 5))
    for sparse in _submessages(graph, 15):
        tensors += list(_submessages(sparse, 1)) + list(_submessages(sparse, 2))
    if any(_tensor_external(t) for t in tensors):
        return True
    for node in _submessages(graph, 1):
        for attribute in _submessages(node, 5):
            if any(_tensor_external(t) for t in [*_submessages(attribute, 5),
                                                  *_submessages(attribute, 10)]):
                return True
            if any(_graph_external(g) for g in [*_submessages(attribute, 6),
                                                 *_submessages(attribute, 11)]):
                return True
    return False


def _tensor_external(tensor):
    for number, value in _fields(tensor):
        if number == 13 or (number == 14 and value == _EXTERNAL):
            return True
    return False


def _submessages(message, wanted):
    return (value for number, value in _fields(message)
            if number == wanted and isinstance(value, memoryview))


def _fields(message):
    """(field number, value) of a serialized protobuf message: varints as int,
    length-delimited fields as memoryview, fixed-width ones skipped."""
    data, position = memoryview(message), 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire_type == 2:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise ValueError("truncated length-delimited field")
            yield number, data[position:position + length]
            position += length
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")


def _varint(data, position):
    result, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
