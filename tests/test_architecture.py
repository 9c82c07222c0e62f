"""The layer rules of docs/ARCHITECTURE.md, as a test: import-linter over the package.

The contracts live in pyproject.toml ([tool.importlinter]). The second test breaks a rule in a
copy of the package and checks the linter notices, so the first one cannot pass vacuously.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())", "--no-cache"]


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LINT, str(cwd / "pyproject.toml")], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


@pytest.mark.slow
def test_the_package_keeps_its_layer_rules() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_a_broken_rule_fails(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "mailmocks", tmp_path / "mailmocks",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    clock = tmp_path / "mailmocks" / "core" / "clock.py"
    clock.write_text(clock.read_text() + "\nfrom ..apis import names  # a vendor, from core\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "mailmocks.core.clock -> mailmocks.apis" in result.stdout
