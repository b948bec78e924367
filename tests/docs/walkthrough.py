"""The READMEs followed as a user would: their commands run in order, block by block, as one
bash script per block in a workspace laid out like the project (cwd `work/`, `../shared`
beside it, `.venv/bin/python`, `benchmarks/*.py`), where the tiny models are trained and
exported by the README's own commands. A block (or a document in plan.SESSIONS) that starts a
server runs in a user, network and PID namespace of its own: port 8000 as typed, nothing
reachable from outside, and every process it started (Ray's too) gone when it ends."""

import dataclasses
import hashlib
import os
import pathlib
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

from tests.conftest import ROOT
from tests.docs import checks
from tests.docs.plan import Example, Run, Server

NAMESPACE = ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--mount-proc"]
BLOCK_TIMEOUT = 1500  # seconds for one block's script, a backstop behind each command's own


@dataclasses.dataclass
class Outcome:
    command: str  # as run, after the plan's replacements
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    probe: str = ""  # a server's answer to its plan's probe
    skipped: str = ""  # why it was not run


def make_workspace(folder, seed_models):
    """-> the workspace's `work` folder, with the inputs the READMEs name."""
    work = folder / "work"
    (work / "exports").mkdir(parents=True)
    (folder / "tmp").mkdir()
    if (ROOT.parent / "shared").is_dir():
        (folder / "shared").symlink_to(ROOT.parent / "shared")
    (work / "benchmarks").mkdir()  # the scripts, not benchmarks/results
    for script in (ROOT / "benchmarks").glob("*.py"):
        (work / "benchmarks" / script.name).symlink_to(script)
    for python in (work / ".venv" / "bin" / "python", folder / "bin" / "python"):
        python.parent.mkdir(parents=True, exist_ok=True)
        python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
        python.chmod(0o755)
    (work / "english.txt").write_text("\n".join(checks.ENGLISH) + "\n", encoding="utf-8")
    (work / "my-test-pairs.txt").write_text(
        "".join(f"{source}\t{target}\n" for source, target in checks.TEST_PAIRS), "utf-8")
    keras_io, notebook = seed_models["keras-io"], seed_models["word-notebook"]
    (work / "s2s_model.keras").symlink_to(keras_io.model)
    (work / "training_model.h5").symlink_to(notebook.model)
    # The keras-io script reads its first num_samples lines: the file holds just those.
    lines = keras_io.data_path.read_text(encoding="utf-8").splitlines(keepends=True)
    (work / "fra.txt").write_text("".join(lines[:keras_io.num_samples]), encoding="utf-8")
    (work / "engspan.txt").symlink_to(notebook.data_path)
    # The previous default was a word model: the README's exports/luong stands in for it.
    (work / "exports" / "word-default-old").symlink_to("luong")
    return work


def environment(work):
    folder = work.parent
    path = os.pathsep.join([str(folder / "bin"), os.path.dirname(sys.executable),
                            os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "PYTHONPATH": str(ROOT), "TMPDIR": str(folder / "tmp"),
            "TF_CPP_MIN_LOG_LEVEL": "2", "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_TMPDIR": str(ray_folder(work))}


def ray_folder(work):
    """A short folder for Ray's sockets, whose paths may not exceed 107 bytes."""
    digest = hashlib.sha1(str(work).encode()).hexdigest()[:8]
    return pathlib.Path(tempfile.gettempdir()) / f"s2s-ray-{digest}"


def can_isolate():
    if not shutil.which("unshare"):
        return False
    return subprocess.run([*NAMESPACE, "true"], capture_output=True).returncode == 0


def run_block(work, commands, plans, isolated):
    """Runs one code block's commands (plans[i] for commands[i]) as one bash script.
    -> [Outcome]."""
    first = commands[0]
    results = work.parent / "results" / f"{first.file}:{first.block}".replace("/", "-")
    results.mkdir(parents=True)
    script, outcomes = [_PRELUDE, f"cd {shlex.quote(str(work))}"], []
    if isolated:  # the new namespace's loopback starts down
        script.append("python -c 'from train.launch import loopback_up; loopback_up()'")
    servers = {}  # port -> "PID_VARIABLE RC_FILE" of the server listening there
    for index, (command, plan) in enumerate(zip(commands, plans)):
        typed = plan.command(command.text)
        outcomes.append(Outcome(typed))
        files = {kind: shlex.quote(str(results / f"{index}.{kind}"))
                 for kind in ("in", "out", "err", "rc", "probe")}
        (results / f"{index}.in").write_text(plan.stdin, encoding="utf-8")
        if isinstance(plan, Server):
            if plan.port in servers:  # one server a port: the README stops it first too
                script.append(f"stop {servers.pop(plan.port)}")
            script.append(f"bash -c {shlex.quote('exec ' + typed)} <{files['in']} "
                          f">{files['out']} 2>{files['err']} & server_{index}=$!")
            probe = f"{plan.probe} >{files['probe']}" if plan.probe else "true"
            script.append(f"if ready {plan.port} $server_{index}; then {probe}; else echo "
                          f"'not answering /health' >>{files['err']}; fi")
            servers[plan.port] = f"$server_{index} {files['rc']}"
        else:
            script.append(f"timeout -k 10 {plan.timeout} bash -c {shlex.quote(typed)} "
                          f"<{files['in']} >{files['out']} 2>{files['err']}; "
                          f"echo $? >{files['rc']}")
    script += [f"stop {server}" for server in servers.values()]
    prefix = NAMESPACE if isolated else []
    process = subprocess.Popen([*prefix, "bash", "-c", "\n".join(script)],
                               env=environment(work), start_new_session=True)
    try:
        process.wait(timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass  # what is unfinished has no exit status, and fails
    finally:  # nothing the block started outlives it
        kill_session(process.pid)
        process.wait()
    for index, outcome in enumerate(outcomes):
        read = {kind: _read(results / f"{index}.{kind}") for kind in ("out", "err", "rc",
                                                                      "probe")}
        outcome.stdout, outcome.stderr, outcome.probe = read["out"], read["err"], read["probe"]
        outcome.returncode = int(read["rc"]) if read["rc"].strip() else None
    return outcomes


def kill_session(session):
    """SIGKILL every process of the session: GNU timeout moves its command into a process
    group of its own, so a killpg would miss it."""
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # state ppid pgrp session ...
            if int(fields[3]) == session:
                os.kill(int(stat.parent.name), signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            continue  # gone already


def _read(path):
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


# ready PORT PID: wait up to 3 minutes for /health (loopback only); stop PID RC_FILE: SIGTERM,
# then SIGKILL after 30 s, and the exit status into RC_FILE.
_PRELUDE = textwrap.dedent("""
    set -u
    ready() {
        for _ in $(seq 900); do
            curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$1/health" && return 0
            kill -0 "$2" 2>/dev/null || return 1
            sleep 0.2
        done
        return 1
    }
    stop() {
        kill -TERM "$1" 2>/dev/null
        for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$1" 2>/dev/null
        wait "$1"; echo $? >"$2"
    }
""")


RUNNER = textwrap.dedent("""
    import ast, asyncio, sys
    source, check = (open(path, encoding="utf-8").read() for path in sys.argv[1:3])
    namespace = {"__name__": "__main__"}
    code = compile(source, "README example", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)
    if asyncio.iscoroutine(result):  # top-level await, as in an asyncio REPL
        asyncio.run(result)
    exec(compile(check, "its check", "exec"), namespace)
""")


def run_example(work, example, check):
    """Runs a python example whole, then `check` in its namespace. -> Outcome."""
    source, check_file = work.parent / "example.py", work.parent / "check.py"
    source.write_text(example.code, encoding="utf-8")
    check_file.write_text(check, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", RUNNER, str(source), str(check_file)],
                            cwd=work, env=environment(work), capture_output=True, text=True,
                            timeout=600)
    return Outcome(example.key, result.returncode, result.stdout, result.stderr)


def groups(documents, commands, examples, sessions):
    """-> [[item, ...]] in the documents' order: the commands of one code block, or of a whole
    document for those in `sessions` (its commands talk to a server an earlier block
    started), or one python example."""
    order = {name: index for index, name in enumerate(documents)}
    items = sorted(commands + examples, key=lambda item: (order[item.file], item.line))
    found = {}
    for item in items:
        if hasattr(item, "code"):
            key = (item.file, "example", item.line)
        else:
            key = (item.file,) if item.file in sessions else (item.file, item.block)
        found.setdefault(key, []).append(item)
    return list(found.values())


def walk(work, documents, commands, examples, plans, before_examples):
    """Every README block in order. -> {where: Outcome} of the commands run and examples."""
    outcomes, isolate = {}, can_isolate()
    runnable = [e for e in examples if isinstance(plans.EXAMPLES[e.key], Example)]
    ray_folder(work).mkdir(exist_ok=True)
    try:
        for members in groups(documents, commands, runnable, plans.SESSIONS):
            if hasattr(members[0], "code"):
                before_examples()
                check = plans.EXAMPLES[members[0].key].check
                outcomes[members[0].where] = run_example(work, members[0], check)
            else:
                outcomes.update(run_group(work, members, plans.COMMANDS, isolate))
    finally:
        shutil.rmtree(ray_folder(work), ignore_errors=True)
    return outcomes


def run_group(work, members, plans, isolate):
    """-> {where: Outcome} of the group's commands that the plan runs."""
    run = [c for c in members if isinstance(plans[c.text], Run)]
    if not run:
        return {}
    isolated = any(isinstance(plans[c.text], Server) for c in run)
    if isolated and not isolate:
        why = ("needs unprivileged user, network and PID namespaces (unshare) to serve on port "
               "8000 and run Ray unreachable from outside")
        return {c.where: Outcome(c.text, skipped=why) for c in run}
    started = time.monotonic()
    ran = run_block(work, run, [plans[c.text] for c in run], isolated)
    print(f"{run[0].where}: {len(run)} commands in {time.monotonic() - started:.0f} s")
    return {command.where: outcome for command, outcome in zip(run, ran)}
