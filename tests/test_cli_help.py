"""The command line explains itself to someone who has only the repository."""

from __future__ import annotations

import argparse

import pytest

from minutes.cli import build_parser


def subcommands(
    parser: argparse.ArgumentParser | None = None, prefix: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Every command and every command of a command (``watch add``), by its full name."""
    parser = parser or build_parser()
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[f"{prefix}{name}"] = sub
                found |= subcommands(sub, f"{prefix}{name} ")
    return found


def test_the_top_level_help_says_what_the_tool_does_and_how_it_exits_in_whole_sentences(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # argparse wraps at hyphens too ("Päijät-" / "Häme")
    text = " ".join(build_parser().format_help().split())
    assert "harvest, process, link and query the published decisions of Päijät-Häme's municipalities" in text
    assert "Every command exits 0 on success; otherwise non-zero, with a one-line reason on stderr." in text
    assert "contract.md" not in text


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_and_every_argument_of_it_has_a_help_text(name):
    parser = subcommands()[name]
    assert parser.description and parser.description.endswith(".")
    undocumented = [a.dest for a in parser._actions if a.help is None]
    assert undocumented == []
    assert "contract.md" not in parser.format_help()
