"""The docs' examples, run as written: files from fenced blocks, `$ bilag ...` commands and their output.

A page's fenced block ```yaml file=company.yaml (any language, with `file=NAME`) is written to NAME in a
scratch directory; a ```console block holds commands (`$ bilag ...`, `$ export NAME=VALUE`) each followed
by the output it prints (stdout and stderr as a terminal shows them, COLUMNS=100). Pages marked with
`<!-- docs-test: run -->` are run top to bottom and every output must match; on the other pages every
`$ bilag ...` command must still name commands and options that exist, and every set-up file must set up.

    .venv/bin/python tests/docs_examples.py docs/master-data.md          # run a page, show differences
    .venv/bin/python tests/docs_examples.py --write docs/master-data.md  # write the real output into it
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"
RUN_MARK = "<!-- docs-test: run -->"
_FENCE = re.compile(r"^(```+)\s*([\w-]*)(.*)$")


@dataclass
class Command:
    line: int  # 1-based line of the `$ ...` in the page
    text: str
    expected: list[str] = field(default_factory=list)
    output_lines: tuple[int, int] = (0, 0)  # the page's lines (0-based, end exclusive) holding the output


@dataclass
class Block:
    kind: str  # file | console | other
    language: str
    name: str | None
    start: int
    lines: list[str]
    commands: list[Command] = field(default_factory=list)


def blocks(page: str) -> list[Block]:
    result = []
    lines = page.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, language, rest = match.groups()
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        body = lines[index + 1:end]
        name = re.search(r"file=(\S+)", rest)
        kind = "file" if name else "console" if language == "console" else "other"
        block = Block(kind, language, name.group(1) if name else None, index + 1, body)
        if kind in ("console", "other"):
            current = None
            continued = False
            for offset, text in enumerate(body):
                if continued and current is not None:  # a command continued with a backslash
                    current.text = current.text[:-1].rstrip() + " " + text.strip()
                    current.output_lines = (index + 2 + offset, index + 2 + offset)
                    continued = text.rstrip().endswith("\\")
                    continue
                continued = False
                if text.startswith("$ "):
                    continued = text.rstrip().endswith("\\")
                    current = Command(index + 2 + offset, text[2:])
                    current.output_lines = (index + 2 + offset, index + 2 + offset)
                    block.commands.append(current)
                elif current is not None:
                    current.expected.append(text)
                    current.output_lines = (current.output_lines[0], index + 2 + offset)
        result.append(block)
        index = end + 1
    return result


def run_command(command: str, cwd: Path, env: dict) -> str:
    words = shlex.split(command)
    if words[0] == "export":
        name, _, value = words[1].partition("=")
        env[name] = value
        return ""
    extra = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):  # COLUMNS=60 bilag ...
        name, _, value = words.pop(0).partition("=")
        extra[name] = value
    if words[0] != "bilag":
        raise AssertionError(f"only bilag and export commands run in the docs, not: {command}")
    if os.environ.get("BILAG_DOCS_SUBPROCESS"):
        result = subprocess.run([str(BILAG), *words[1:]], cwd=cwd, env={**env, **extra}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=120)
        return result.stdout
    return _in_process(words[1:], cwd, {**env, **extra})


def _in_process(arguments: list[str], cwd: Path, env: dict) -> str:
    """Run `bilag ARGUMENTS` in this interpreter (a subprocess per command is slow): the same entry point,
    stdout and stderr into one buffer in the order they are written, as a terminal shows them."""
    import contextlib
    import io
    from unittest import mock

    from bilag.cli import main, render

    buffer = io.StringIO()
    previous = Path.cwd()
    variables = {k: v for k, v in env.items() if k not in ("PATH", "HOME", "LANG")}
    try:
        os.chdir(cwd)
        with mock.patch.dict(os.environ, variables), mock.patch.object(sys, "argv", ["bilag", *arguments]), \
                contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            render.stdout.width = int(variables.get("COLUMNS", "100"))
            try:
                main.run()
            except SystemExit:
                pass
    finally:
        os.chdir(previous)
    return buffer.getvalue()


def run_page(path: Path, workdir: Path) -> list[tuple[Command, list[str]]]:
    """Run a page top to bottom; returns each command with the lines it printed."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "100", "PYTHONUNBUFFERED": "1",
           "HOME": str(workdir)}
    results = []
    for block in blocks(path.read_text()):
        if block.kind == "file":
            (workdir / str(block.name)).write_text("\n".join(block.lines) + "\n")
        elif block.kind == "console":
            for command in block.commands:
                output = run_command(command.text, workdir, env)
                results.append((command, [line.rstrip() for line in output.splitlines()]))
    return results


def differences(path: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        problems = []
        for command, got in run_page(path, Path(scratch)):
            want = [line.rstrip() for line in command.expected]
            if got != want:
                problems.append(f"{path.name}:{command.line}: $ {command.text}\n  expected:\n    "
                                + "\n    ".join(want) + "\n  printed:\n    " + "\n    ".join(got))
        return problems


def write_outputs(path: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        results = run_page(path, Path(scratch))
    lines = path.read_text().splitlines()
    for command, got in sorted(results, key=lambda item: -item[0].line):
        start, end = command.output_lines
        lines[start:end] = got
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    write = "--write" in arguments
    for name in [a for a in arguments if a != "--write"]:
        if write:
            write_outputs(Path(name))
        for problem in differences(Path(name)):
            print(problem)
    os.sys.exit(0)
