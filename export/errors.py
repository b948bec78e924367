"""Export's named exceptions; the CLI prints their message on one line and exits 2."""


class ExportError(ValueError):
    """The run cannot be exported: missing or foreign RUN_DIR, unsupported model, an
    existing OUT_DIR without --force."""


class ParityError(ExportError):
    """The ONNX graphs do not reproduce Keras; the message lists every failure."""


class GateError(ExportError):
    """A quantized or shortlisted export fails its quality gate; the message gives the figures."""
