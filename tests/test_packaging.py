"""What the package installs: the console commands beside `python -m`, and extras that
can be installed together."""

import importlib
import os
import subprocess
import sys
import tomllib

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
COMMANDS = {"s2s-train": "train", "s2s-export": "export", "s2s-translate": "runtime",
            "s2s-evaluate": "s2s_evaluate", "s2s-serve": "serve"}


def test_each_command_is_its_packages_cli():
    scripts = PYPROJECT["project"]["scripts"]
    assert scripts == {name: f"{package}.__main__:main" for name, package in COMMANDS.items()}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function))


def test_installed_commands_answer_help():
    folder = os.path.dirname(sys.executable)
    for name, package in COMMANDS.items():
        result = subprocess.run([os.path.join(folder, name), "--help"], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, (name, result.stderr[-1000:])
        assert "usage:" in result.stdout


def test_no_extra_installs_onnxruntime_gpu_beside_onnxruntime():
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        assert not any(r.startswith("onnxruntime-gpu") for r in requirements), extra
