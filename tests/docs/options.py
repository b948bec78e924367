"""Static checks of a command CI does not run: the module or script exists and answers --help
with every option the command names, the make targets exist, and a `make TARGET  # = CMD`
comment says what make would run."""

import functools
import os
import re
import shlex
import subprocess
import sys

from tests.conftest import ROOT

PYTHONS = {"python", "python3", ".venv/bin/python"}
OPERATORS = {"&&", "||", ";", "|"}


def parts(text):
    """-> the simple commands of a shell line, as word lists without leading VAR=value."""
    found, words = [], []
    for word in shlex.split(text) + [";"]:
        if word in OPERATORS:
            while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
                words.pop(0)
            if words:
                found.append(words)
            words = []
        else:
            words.append(word)
    return found


def program(words):
    """-> the argv that prints this python command's --help, or None."""
    if words[0] not in PYTHONS or len(words) < 2:
        return None
    if words[1] == "-m":
        return None if words[2] == "..." else ["-m", words[2]]
    assert words[1].endswith(".py"), words
    assert (ROOT / words[1]).is_file(), f"no script {words[1]} in the project"
    return [words[1]]


@functools.cache
def help_text(argv):
    result = subprocess.run([sys.executable, *argv, "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, (argv, result.stderr[-2000:])
    return result.stdout


@functools.cache
def make_targets():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M))


def check_options(text):
    for words in parts(text):
        if words[0] == "make":
            for target in (w for w in words[1:] if not w.startswith("-") and "=" not in w):
                assert target in make_targets(), f"the Makefile has no target {target!r}"
            continue
        argv = program(words)
        if argv is None:
            continue
        usage = help_text(tuple(argv))
        for word in words:
            flag = word.strip("[]").split("=")[0]
            if flag.startswith("--"):
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", usage), \
                    f"{' '.join(argv)} has no option {flag} (its --help does not name it)"


def make_dry_run(target):
    """-> the simple commands `make -n TARGET` prints, as word lists."""
    result = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.replace("\\\n", " ").splitlines()
    return [words for line in lines if line.strip() for words in parts(line)]


def same_python_command(claimed, ran):
    """`ran` runs what `claimed` shows: the same module or script, and every word of the
    claim (make may add options, such as --out)."""
    if not (ran[0] in PYTHONS or ran[0].endswith("/python")):
        return False
    start = 3 if claimed[1] == "-m" else 2  # the options, after the module or script
    return ran[1:start] == claimed[1:start] and set(claimed[start:]) <= set(ran[start:])
