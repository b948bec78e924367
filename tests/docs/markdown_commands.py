"""The commands a Markdown file shows: each logical line of its ```bash blocks (comments cut,
backslash continuations joined), each ```python block whole, and the inline `python ...` /
`make ...` spans of its prose. Standard library only: the README's fences are plain."""

import dataclasses
import re

SHELL = {"bash", "sh", "shell", "console"}
PROSE = {"text", "json", "toml", "ini", "http"}  # blocks that hold no commands
# Inline spans that name a command (as opposed to a file, a flag or a value).
INLINE = re.compile(r"^(\.venv/bin/python|python|make) \S")


@dataclasses.dataclass(frozen=True)
class Command:
    file: str
    line: int  # 1-based, of the command's first line
    text: str  # as bash will run it: one line, comments cut
    block: int = 0  # the line of its code block's fence: the commands a user types together
    # For `make TARGET  # = python ...` lines: the commands the comment says make runs.
    claims: tuple = ()

    @property
    def where(self):
        return f"{self.file}:{self.line}"


@dataclasses.dataclass(frozen=True)
class PythonExample:
    file: str
    line: int
    code: str

    @property
    def key(self):
        return self.code.splitlines()[0]

    @property
    def where(self):
        return f"{self.file}:{self.line}"


def fenced_blocks(text):
    """-> [(language, first code line number, code)] of every ``` block, indented ones (in a
    list item) included; an unlabeled block is an error, so that no command hides in one."""
    blocks, language, start, lines, indent = [], None, 0, [], 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            if language is None:
                indent = len(line) - len(line.lstrip())
                language, start, lines = line.strip()[3:].strip(), number + 1, []
                if not language:
                    raise ValueError(f"line {number}: a code block without a language; "
                                     f"label it bash, python or text")
            else:
                blocks.append((language, start, "\n".join(lines) + "\n"))
                language = None
        elif language is not None:
            lines.append(line[indent:] if not line[:indent].strip() else line.lstrip())
    if language is not None:
        raise ValueError(f"line {start - 1}: a code block that is never closed")
    return blocks


def split_comment(line):
    """-> (code, comment) of one shell line: a # that starts a word, outside quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip(), line[index + 1:]
    return line.rstrip(), None


def shell_commands(file, start, code):
    commands, parts, first, open_make = [], [], None, False
    for number, line in enumerate(code.splitlines(), start):
        body, comment = split_comment(line)
        if not body.strip():
            if comment is None:  # a blank line: what follows is not about the command before
                open_make = False
            elif open_make and not parts:
                _add_claim_line(commands, comment)
            continue
        if not parts:
            first = number
        parts.append(body.removesuffix("\\").strip())
        if not body.endswith("\\"):
            text = " ".join(parts)
            claim = comment.strip()[1:].strip() if comment and comment.strip().startswith("=") \
                else None
            commands.append(Command(file, first, text, start - 1, (claim,) if claim else ()))
            parts, open_make = [], text.startswith("make ")
    return [dataclasses.replace(c, claims=_claimed_commands(c.where, c.claims))
            for c in commands]


def _add_claim_line(commands, comment):
    """A comment line under `make TARGET`: `# = CMD` starts what it claims, `#   CMD` goes
    on (a line that ends in \\ continues the one before)."""
    last = commands[-1]
    stripped = comment.strip()
    if stripped.startswith("="):
        claims = (*last.claims, stripped[1:].strip())
    elif last.claims and comment.startswith("   "):
        claims = (*last.claims, stripped)
    else:
        return
    commands[-1] = dataclasses.replace(last, claims=claims)


def _claimed_commands(where, lines):
    """The commands of claim lines, continuations joined and a trailing '(remark)' cut; each
    must be a python command (what make -n can confirm)."""
    commands, parts = [], []
    for line in lines:
        parts.append(line.removesuffix("\\").strip())
        if not line.endswith("\\"):
            text = re.split(r"\s+\(", " ".join(parts))[0].strip()
            if not re.match(r"(\.venv/bin/)?python ", text):
                raise ValueError(f"{where}: '# = {text}' should say the python command make "
                                 f"runs (or drop the '=')")
            commands.append(text)
            parts = []
    return tuple(commands)


def extract(path, name):
    """-> (shell commands, python examples, inline commands) of the Markdown file."""
    text = path.read_text(encoding="utf-8")
    commands, examples = [], []
    for language, start, code in fenced_blocks(text):
        if language in SHELL:
            commands += shell_commands(name, start, code)
        elif language == "python":
            examples.append(PythonExample(name, start, code))
        elif language not in PROSE:
            raise ValueError(f"{name}:{start - 1}: code block language {language!r} is "
                             f"neither a shell, python nor one of {sorted(PROSE)}")
    return commands, examples, inline_commands(text, name)


def inline_commands(text, name):
    """The `python ...` / `make ...` spans of the prose, a span broken across lines too."""
    prose = re.sub(r"```.*?```", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S)
    found = []
    for match in re.finditer(r"`([^`]+)`", prose):
        span = " ".join(match.group(1).split())
        if INLINE.match(span):
            found.append(Command(name, prose.count("\n", 0, match.start()) + 1, span))
    return found
