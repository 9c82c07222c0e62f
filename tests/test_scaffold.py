"""`mailmocks new-api`: a generated sixth API passes its own tests, the binding test and the
contract checks on the first run, and touches nothing in mailmocks/core/."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailmocks.cli import main
from mailmocks.scaffold import ScaffoldError, plan

ROOT = Path(__file__).resolve().parent.parent


def checkout(tmp_path: Path) -> Path:
    """A copy of the parts of the repo a new API is added to and tested in."""
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "_data")
    for part in ("mailmocks", "contracts", "fixtures"):
        shutil.copytree(ROOT / part, root / part, ignore=ignore)
    (root / "tests" / "apis").mkdir(parents=True)
    for part in ("support.py", "conftest.py"):
        shutil.copy(ROOT / "tests" / part, root / "tests" / part)
    shutil.copytree(ROOT / "tests" / "contract", root / "tests" / "contract", ignore=ignore)
    shutil.copy(ROOT / "tests" / "apis" / "test_bindings.py", root / "tests" / "apis")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.slow
def test_a_generated_api_passes_its_tests_unchanged(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = checkout(tmp_path)
    core_before = {p: p.read_bytes() for p in (root / "mailmocks" / "core").rglob("*.py")}
    assert main(["new-api", "widgets", "--root", str(root)]) == 0
    assert "wrote mailmocks/apis/widgets/__init__.py" in capsys.readouterr().out
    assert '"widgets": "mailmocks.apis.widgets:api"' in (
        root / "mailmocks" / "apis" / "__init__.py").read_text()
    assert {p: p.read_bytes() for p in (root / "mailmocks" / "core").rglob("*.py")} == \
        core_before
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "MAILMOCKS_CONTRACT_APIS": "widgets"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/apis/widgets",
         "tests/apis/test_bindings.py", "tests/contract", "-k", "widgets or bound",
         "-o", "addopts=-p no:asyncio --import-mode=importlib"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "mailmocks", "tests"],
                          cwd=root, env=env, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "mailmocks/apis/widgets",
         "mailmocks/clients/widgets.py", "mailmocks/testing/widgets.py", "tests/apis/widgets"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert typed.returncode == 0, typed.stdout[-3000:]


def test_bad_names_and_places_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="lower-case letters"):
        plan(ROOT, "My-API")
    with pytest.raises(ScaffoldError, match="top of a mailmocks checkout"):
        plan(tmp_path, "widgets")
    with pytest.raises(ScaffoldError, match="exists already"):
        plan(ROOT, "botamp")
    assert main(["new-api", "Nope!", "--root", str(ROOT)]) == 2
