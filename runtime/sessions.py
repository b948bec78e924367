"""onnxruntime session settings and execution-provider choice.

Defaults chosen for a service on a small machine: an explicit thread count (1), no busy
spinning (onnxruntime's default spin keeps every core at 100% between calls), sequential
execution, full graph optimization. CPU by default; CUDA on request, falling back to CPU
with a warning naming the providers actually used, or failing with strict_providers.
"""

import warnings

import onnxruntime

from runtime.errors import ProviderError

PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}


def positive_int(name, value):
    """`value` if it is an integer >= 1 (not a bool); else a ValueError naming `name`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def session_options(threads=1, spinning=False):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = positive_int("threads", threads)
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only
    return options


def choose_providers(requested, strict=False):
    """A list of "cuda"/"cpu" names -> onnxruntime provider names that are available here."""
    unknown = [name for name in requested if name not in PROVIDERS]
    if unknown or not requested:
        raise ValueError(f"providers must be a non-empty list of {sorted(PROVIDERS)}, "
                         f"got {requested!r}")
    available = onnxruntime.get_available_providers()
    chosen = [PROVIDERS[name] for name in requested if PROVIDERS[name] in available]
    missing = [name for name in requested if PROVIDERS[name] not in available]
    if missing and strict:
        raise ProviderError(f"requested providers {missing} are not available in this "
                            f"onnxruntime (available: {available}); install onnxruntime-gpu "
                            f"for CUDA")
    if PROVIDERS["cpu"] not in chosen:
        chosen.append(PROVIDERS["cpu"])  # the fallback every build has
    return chosen


def check_used(session, requested, strict=False):
    """Warn (or, strict, fail) when the session did not get every requested provider."""
    used = session.get_providers()
    missing = [name for name in requested if PROVIDERS[name] not in used]
    if not missing:
        return
    message = (f"requested providers {missing} are not in use; running on {used} "
               f"(install onnxruntime-gpu and a CUDA driver for 'cuda')")
    if strict:
        raise ProviderError(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)
