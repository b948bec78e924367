"""The READMEs stay true: every command README.md, benchmarks/README.md and serve/README.md
show is run as typed against tiny models the same commands train, or is marked in
tests/docs/plan.py as not run in CI, with the reason, and its options checked against its
--help. Python examples run whole, then checks of what their comments promise."""

import pytest

from tests.conftest import ROOT
from tests.docs import options, plan, walkthrough
from tests.docs.markdown_commands import extract

DOCUMENTS = ("README.md", "benchmarks/README.md", "serve/README.md")
EXTRACTED = [extract(ROOT / name, name) for name in DOCUMENTS]
COMMANDS = [command for commands, _, _ in EXTRACTED for command in commands]
EXAMPLES = [example for _, examples, _ in EXTRACTED for example in examples]
INLINE = [command for _, _, inline in EXTRACTED for command in inline]
RUN = [c for c in COMMANDS if isinstance(plan.COMMANDS.get(c.text), plan.Run)]
NOT_RUN = [c for c in COMMANDS if isinstance(plan.COMMANDS.get(c.text), plan.NotRun)]


def where(item):
    return item.where


def test_every_command_is_run_or_marked():
    unplanned = [f"{c.where}: {c.text}" for c in COMMANDS if c.text not in plan.COMMANDS]
    unplanned += [f"{e.where}: {e.key}" for e in EXAMPLES if e.key not in plan.EXAMPLES]
    assert not unplanned, ("README commands that tests/docs/plan.py neither runs nor marks as "
                           "not run (add each, as it reads now):\n" + "\n".join(unplanned))
    stale = (set(plan.COMMANDS) - {c.text for c in COMMANDS}) | \
        (set(plan.EXAMPLES) - {e.key for e in EXAMPLES})
    assert not stale, f"tests/docs/plan.py lists commands no README shows: {sorted(stale)}"


@pytest.fixture(scope="session")
def walked(tmp_path_factory, seed_models, speed_ups):
    """-> (work folder, {where: Outcome}): the READMEs' blocks run in order."""
    work = walkthrough.make_workspace(tmp_path_factory.mktemp("readme"), seed_models)

    def before_examples():
        # A tiny model fails the int8 gate, so the README's exports/int8-shortlist may be
        # missing: the session's, made with relaxed gates (tests/conftest.py), stands in.
        if not (work / "exports" / "int8-shortlist").exists():
            (work / "exports" / "int8-shortlist").symlink_to(speed_ups["int8-shortlist"])

    return work, walkthrough.walk(work, DOCUMENTS, COMMANDS, EXAMPLES, plan, before_examples)


@pytest.mark.parametrize("command", RUN, ids=where)
def test_the_command_works_as_typed(command, walked):
    work, outcomes = walked
    outcome = outcomes[command.where]
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    plan.COMMANDS[command.text].check(outcome, work)


@pytest.mark.parametrize("example", [e for e in EXAMPLES
                                     if isinstance(plan.EXAMPLES.get(e.key), plan.Example)],
                         ids=where)
def test_the_python_example_runs_and_does_what_it_says(example, walked):
    outcome = walked[1][example.where]
    assert outcome.returncode == 0, outcome.stderr[-4000:]


@pytest.mark.parametrize("example", [e for e in EXAMPLES
                                     if isinstance(plan.EXAMPLES.get(e.key), plan.NotRun)],
                         ids=where)
def test_a_python_example_not_run_says_why(example):
    assert plan.EXAMPLES[example.key].reason.strip()
    compile(example.code, example.where, "exec")  # at least it is python


@pytest.mark.parametrize("command", NOT_RUN, ids=where)
def test_a_command_not_run_says_why_and_names_real_options(command):
    entry = plan.COMMANDS[command.text]
    assert entry.reason.strip()
    options.check_options(command.text)
    if entry.check:
        entry.check(command.text)


@pytest.mark.parametrize("command", INLINE, ids=lambda c: f"{c.where} {c.text}")
def test_an_inline_command_names_real_options(command):
    options.check_options(command.text)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.claims], ids=where)
def test_make_runs_what_the_readme_says_it_runs(command):
    ran = options.make_dry_run(command.text.split()[1])
    for claimed in command.claims:
        words = options.parts(claimed)[0]
        assert any(options.same_python_command(words, r) for r in ran), (
            f"{command.where}: the comment says `{command.text}` runs `{claimed}`; make -n "
            f"shows:\n" + "\n".join(" ".join(r) for r in ran))
