"""Every `mailmocks check` command README's "In CI" section shows parses as written."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mailmocks.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def commands() -> list[str]:
    text = README.read_text()
    section = text[text.index("### 3. In CI"):text.index("## The thin client")]
    joined = section.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        match = re.search(r"(mailmocks check[^#\n]*)", line)
        if match and not line.lstrip().startswith(("#", "`")):
            found.append(match.group(1).strip())
    return found


def test_the_section_shows_the_uses() -> None:
    shown = " ".join(commands())
    for flag in ("--junit-xml", "--serve", "--base-url", "--credential", "--rate",
                 "--journal", "--report"):
        assert flag in shown


@pytest.mark.parametrize("command", commands())
def test_command_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command)[1:])  # argparse exits on a typo
    assert args.command == "check"
