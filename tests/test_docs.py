"""The docs' examples as tests (tests/docs_examples.py): they cannot drift from what bilag does.

Pages marked `<!-- docs-test: run -->` run top to bottom with their exact output. On every page, each set-up
file (a fenced YAML block with a `company:` section) sets up a company whose accounts are all there, and each
`$ bilag ...` command names commands and options that exist.
"""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import typer.main
import yaml

from bilag.cli.main import app
from bilag.services import masterdata
from bilag.services.setup import setup_company
from bilag.store.database import open_store

from .docs_examples import RUN_MARK, blocks, differences

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
RUN_PAGES = [page for page in PAGES if RUN_MARK in page.read_text()]


@pytest.mark.parametrize("page", RUN_PAGES, ids=[p.name for p in RUN_PAGES])
def test_the_examples_of_a_page_print_what_the_page_shows(page):
    assert differences(page) == []


def _set_up_files(page: Path):
    for block in blocks(page.read_text()):
        if block.language == "yaml" and any(line.startswith("company:") for line in block.lines):
            yield block


SETUPS = [(page, block) for page in PAGES for block in _set_up_files(page)]


@pytest.mark.parametrize("page, block", SETUPS, ids=[f"{p.name}:{b.start}" for p, b in SETUPS])
def test_every_set_up_file_in_the_docs_sets_up_and_names_only_accounts_it_has(page, block, tmp_path):
    data = yaml.safe_load("\n".join(block.lines))
    data = {key: value for key, value in data.items() if key not in ("steps", "expect")}
    engine = open_store(f"sqlite:///{tmp_path / 'doc.sqlite'}")
    company_id = setup_company(engine, data)
    with engine.connect() as connection:
        assert masterdata.dangling_accounts(connection, company_id) == [], f"{page.name} line {block.start}"


def _command_tree():
    return typer.main.get_command(app)


def _check_command(words: list[str]) -> str | None:
    """None when the command line names an existing command path and options; else what is wrong."""
    command = _command_tree()
    options = {o for p in command.params for o in p.opts}
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            if name not in options and name not in ("--help",):
                return f"unknown option {name} for '{command.name}'"
            parameter = next((p for p in command.params if name in p.opts), None)
            if parameter is not None and not parameter.is_flag and "=" not in word:
                index += 1  # its value
        elif hasattr(command, "commands"):
            sub = command.commands.get(word)
            if sub is None:
                return f"unknown command {word}"
            command = sub
            options |= {o for p in command.params for o in p.opts}
        index += 1
    return None


COMMANDS = [(page, command) for page in PAGES for block in blocks(page.read_text()) for command in block.commands
            if command.text.split()[0:1] == ["bilag"]]


@pytest.mark.parametrize("page, command", COMMANDS, ids=[f"{p.name}:{c.line}" for p, c in COMMANDS])
def test_every_command_in_the_docs_names_commands_and_options_that_exist(page, command):
    assert _check_command(shlex.split(command.text)[1:]) is None, f"{page.name}:{command.line}: {command.text}"
