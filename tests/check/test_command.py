"""`mailmocks check` against each fake in-process, through the CLI as a user runs it."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mailmocks import apis
from mailmocks.cli import main

FAST = ["--phases", "examples,fuzzing,stateful", "--max-examples", "3", "--seed", "1", "-q"]


@pytest.mark.parametrize("name", apis.names())
def test_every_fake_passes_with_every_operation_exercised(name: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    report = tmp_path / "report.json"
    assert main(["check", name, *FAST, "--report", str(report)]) == 0
    run = json.loads(report.read_text())["apis"][name]
    assert run["passed"] and run["failures"] == [] and run["errors"] == []
    assert {op["operation"].split(" ", 1)[0] for op in run["operations"]}  # labelled
    assert len(run["operations"]) == len(apis.load(name).contract.operations)
    assert all(op["exercised"] for op in run["operations"])
    assert f"PASSED {name}" in capsys.readouterr().out


def test_progress_line_per_operation_and_summary_table(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["check", "botamp", "--phases", "examples,fuzzing", "--max-examples", "2"]) == 0
    out = capsys.readouterr().out
    for label in ("POST /api/subscribers/create_or_update",
                  "POST /api/subscribers/create_or_update_many"):
        assert any(line.lstrip().startswith("fuzzing") and label in line
                   for line in out.splitlines())
    assert "operation" in out and "statuses" in out and "requests" in out


def test_a_run_dominated_by_429_fails_saying_so(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """ConvertKit allows 120 calls a minute per credential: with the limiter left on, most
    answers are 429, and the run must not pass for operations only ever rate-limited."""
    report = tmp_path / "report.json"
    code = main(["check", "convertkit", "--rate-limit", "--phases", "examples,fuzzing",
                 "--max-examples", "15", "--seed", "1", "-q", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 1
    assert "429 Too Many Requests" in out and "the run tested too little" in out
    run = json.loads(report.read_text())["apis"]["convertkit"]
    assert run["rate_limited"] > 0 and run["failed_on_429"] > 0
    assert not run["passed"]


def test_phases_max_examples_and_checks_reach_the_engine(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    assert main(["check", "botamp", "--phases", "examples", "--checks",
                 "not_a_server_error,response_schema_conformance", "-q",
                 "--report", str(report)]) == 0
    run = json.loads(report.read_text())["apis"]["botamp"]
    seen = {name for op in run["operations"] for name in op["checks"]}
    assert seen <= {"not_a_server_error", "response_schema_conformance"} and seen
    few = sum(op["requests"] for op in run["operations"])
    assert main(["check", "botamp", "--phases", "examples,fuzzing", "--max-examples", "6",
                 "-q", "--report", str(report)]) == 0
    more = json.loads(report.read_text())["apis"]["botamp"]["requests"]
    assert more > few


def test_an_operation_never_called_fails_the_run(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Botamp's contract has no links: a stateful-only run calls nothing, and must say so."""
    junit = tmp_path / "out.xml"
    assert main(["check", "botamp", "--phases", "stateful", "-q",
                 "--junit-xml", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "2 operation(s) never answered, or only with 429" in out
    assert junit.read_text().count('name="exercised"') == 2
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["target"] == "fake" and str(props["seed"]).isdigit()


def test_an_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from mailmocks.check import runner

    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("'ScenarioFinished' object has no attribute 'recorder'")

    monkeypatch.setattr(runner, "run_api", broken)
    assert main(["check", "botamp", "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("mailmocks check: internal error: AttributeError") and "\n" not in err
