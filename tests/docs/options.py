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
    """-> the argv whose --help names this command's options, or None (not ours to check)."""
    if words[0] == "ray" and len(words) > 1:  # Ray's CLI, from the same environment
        return (os.path.join(os.path.dirname(sys.executable), "ray"), words[1])
    if words[0] not in PYTHONS or len(words) < 2:
        return None
    if words[1] == "-m":
        return None if words[2] == "..." else (sys.executable, "-m", words[2])
    assert words[1].endswith(".py"), words
    assert (ROOT / words[1]).is_file(), f"no script {words[1]} in the project"
    return (sys.executable, words[1])


@functools.cache
def help_text(argv):
    result = subprocess.run([*argv, "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, (argv, result.stderr[-2000:])
    return result.stdout


@functools.cache
def makefile():
    """-> (targets, variables) of the Makefile."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return (set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M)),
            set(re.findall(r"^([A-Z_]+)\s*[?:]?=", text, re.M)))


# Make variables whose value is options of a command: those options are checked too.
OPTION_VARIABLES = {"TRAIN_OPTIONS": "python -m train"}


def check_make(words):
    targets, variables = makefile()
    for word in words[1:]:
        if "=" in word:
            name, value = word.split("=", 1)
            assert name in variables, f"the Makefile has no variable {name}"
            if name in OPTION_VARIABLES:
                check_options(f"{OPTION_VARIABLES[name]} {value}")
        elif not word.startswith("-"):
            assert word in targets, f"the Makefile has no target {word!r}"


def check_options(text):
    for words in parts(text):
        if words[0] == "make":
            check_make(words)
            continue
        argv = program(words)
        if argv is None:
            continue
        usage = help_text(argv)
        for word in words:
            flag = word.strip("[]").split("=")[0]
            if flag.startswith("--"):
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", usage), \
                    f"{' '.join(words[:3])} has no option {flag} (its --help does not name it)"


def make_dry_run(target):
    """-> the simple commands `make -n TARGET` prints, as word lists."""
    result = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.replace("\\\n", " ").splitlines()
    return [words for line in lines if line.strip() for words in parts(line)]


def same_python_command(claimed, ran):
    """`ran` runs what `claimed` shows: the same module or script, and each of the claim's
    options with its value, and its other words (make may add options, such as --out)."""
    if not (ran[0] in PYTHONS or ran[0].endswith("/python")):
        return False
    start = 3 if claimed[1] == "-m" else 2  # the options, after the module or script
    return ran[1:start] == claimed[1:start] and \
        _pairs(claimed[start:]) <= _pairs(ran[start:])


def _pairs(words):
    """{(option, its value or None), (None, a positional word)}"""
    found = set()
    for index, word in enumerate(words):
        if word.startswith("--"):
            following = words[index + 1] if index + 1 < len(words) else None
            found.add((word, None if following is None or following.startswith("--")
                       else following))
        elif index == 0 or not words[index - 1].startswith("--"):
            found.add((None, word))
    return found
