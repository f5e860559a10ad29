"""The README's two commands and the command docs stay true."""

import re
from pathlib import Path

import click

from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            names += _commands(cmd, f"{prefix}{name} ")
        else:
            names.append(prefix + name)
    return names


def test_every_command_is_documented():
    text = (ROOT / "docs" / "cli.md").read_text()
    for name in _commands(main):
        assert f"`align {name}" in text, f"align {name} is missing from docs/cli.md"
        assert f"align {name}" in (ROOT / "README.md").read_text()


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.+?)\n```", readme)
    assert len(blocks) == 2
    open_cmd, test_cmd = blocks
    assert open_cmd.endswith("align sample.db") and "pip install" in open_cmd
    assert "pytest" in test_cmd and ".[test]" in test_cmd
    assert test_cmd in (ROOT / ".ci" / "run").read_text()


def test_documented_files_exist():
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / link).exists(), link
