"""Export: a trained run -> encoder.onnx + single-step decoder.onnx + vocabularies +
manifest.json, proved against Keras (parity.json). `python -m export --help` for the CLI."""
