"""`mailmocks check` over HTTP: a served sandbox, any server, a broken one, read-only runs."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse

from mailmocks import apis
from mailmocks.check.targets import Served
from mailmocks.cli import main
from mailmocks.live import free_port
from mailmocks.sandbox import Sandbox

QUICK = ["--phases", "examples,fuzzing", "--max-examples", "3", "--seed", "1", "-q"]


class Broken:
    """ConvertKit's sandbox, except GET /v3/account answers off-contract and GET /v3/tags
    answers 500: what a regressed staging server looks like."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            if scope["path"] == "/convertkit/v3/account":
                await JSONResponse({"name": 42})(scope, receive, send)
                return
            if scope["path"] == "/convertkit/v3/tags":
                await PlainTextResponse("boom", 500)(scope, receive, send)
                return
        await self.sandbox(scope, receive, send)


def _secret(box: Sandbox) -> str:
    return str(apis.load("convertkit").check_credentials(box.world("convertkit"))["apiSecret"])


@pytest.fixture
def sandbox() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(["convertkit"])
    box.services.limiter.enabled = False
    server = Served(box)
    server.start()
    yield box, server.url
    server.stop()


def test_serve_checks_a_sandbox_over_http(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    assert main(["check", "botamp", "--serve", "--max-examples", "2", "--seed", "1", "-q",
                 "--report", str(report)]) == 0
    run = json.loads(report.read_text())["apis"]["botamp"]
    assert run["target"] == "served" and run["base_url"].startswith("http://127.0.0.1:")
    assert all(op["exercised"] for op in run["operations"]) and len(run["operations"]) == 2


def test_read_only_sends_no_write(sandbox: tuple[Sandbox, str], tmp_path: Path) -> None:
    box, url = sandbox
    report = tmp_path / "r.json"
    code = main(["check", "convertkit", "--base-url", f"{url}/convertkit", "--read-only",
                 "--credential", f"api_secret={_secret(box)}", "--max-examples", "2",
                 "--seed", "1", "-q", "--report", str(report)])  # every phase, coverage too
    assert code == 0
    served = box.services.journal.entries("convertkit", kind="request")
    assert served and {e.method for e in served} <= {"GET", "HEAD", "OPTIONS"}
    safe = {oid for oid, op in apis.load("convertkit").contract.operations.items() if op.safe}
    run = json.loads(report.read_text())["apis"]["convertkit"]
    assert run["read_only"] and len(run["operations"]) == len(safe)


def test_a_broken_server_fails_with_each_failure_its_curl_and_junit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = Sandbox(["convertkit"])
    box.services.limiter.enabled = False
    server = Served(Broken(box))
    server.start()
    junit = tmp_path / "out.xml"
    secret = _secret(box)
    try:
        code = main(["check", "convertkit", "--base-url", f"{server.url}/convertkit",
                     "--read-only", *QUICK, "--credential", f"api_secret={secret}",
                     "--junit-xml", str(junit)])
    finally:
        server.stop()
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED convertkit" in out
    assert "GET /v3/tags: Server error" in out
    assert "GET /v3/account: Response violates schema" in out
    curls = [line.strip() for line in out.splitlines()
             if line.strip().startswith(f"curl -X GET '{server.url}/convertkit/v3/tags?")]
    assert curls and all("""api_secret='"$MAILMOCKS_CONVERTKIT_API_SECRET"'""" in c
                         for c in curls)
    assert secret not in out  # masked: the curl reads it from the variable
    suites = ET.parse(junit).getroot()
    failed = {(c.get("classname"), c.get("name")) for c in suites.iter("testcase")
              if c.find("failure") is not None}
    assert ("convertkit.GET /v3/tags", "not_a_server_error") in failed
    assert ("convertkit.GET /v3/account", "response_schema_conformance") in failed
    assert all(cls in {"convertkit.GET /v3/tags", "convertkit.GET /v3/account"}
               for cls, _ in failed)
    assert int(suites.get("failures", "0")) == len(failed)


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_unreachable_base_url_is_one_line_and_a_red_junit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/convertkit"
    junit = tmp_path / "out.xml"
    assert main(["check", "convertkit", "--base-url", url, "--credential", "api_secret=x",
                 "--junit-xml", str(junit)]) == 1
    assert _one_error_line(capsys.readouterr().err).startswith(f"mailmocks check: cannot "
                                                               f"reach {url}")
    failures = [f.text or "" for f in ET.parse(junit).getroot().iter("failure")]
    assert len(failures) == 1 and failures[0].startswith(f"cannot reach {url}")


def test_a_server_answering_html_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    async def page(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await HTMLResponse("<html><body>Welcome</body></html>")(scope, receive, send)

    server = Served(page)
    server.start()
    try:
        code = main(["check", "convertkit", "--base-url", f"{server.url}/convertkit",
                     "--credential", "api_secret=x"])
    finally:
        server.stop()
    assert code == 1
    assert "answers HTML" in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize(("argv", "code", "words"), [
    (["check", "mailchimp"], 2, "unknown API 'mailchimp'"),
    (["check", "convertkit", "--base-url", "http://127.0.0.1:1/convertkit", "--credential",
      "password=x"], 2, "convertkit has no credential 'password'"),
    (["check", "convertkit", "--credential", "api_secret=x"], 2, "--credential is for"),
    (["check", "esputnik", "--base-url", "http://127.0.0.1:1/esputnik"], 2,
     "needs a credential: --credential basicAuth=... or MAILMOCKS_ESPUTNIK_BASIC_AUTH"),
    (["check", "convertkit", "--phases", "smoke"], 2, "--phases takes"),
    (["check", "convertkit", "--checks", "nope", "--phases", "examples"], 2, "unknown check"),
    (["check", "--base-url", "http://127.0.0.1:1/x"], 2, "--base-url checks one API"),
    (["check", "convertkit", "--rate", "fast"], 2, "--rate wants"),
])
def test_bad_input_is_one_line(argv: list[str], code: int, words: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == code
    assert words in _one_error_line(capsys.readouterr().err)


def test_a_contract_that_does_not_parse_is_one_line(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "convertkit.yaml"
    bad.write_text("openapi: 3.1.0\npaths: [unclosed\n")
    assert main(["check", "convertkit", "--contract", str(bad)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"contract {bad} does not load" in line


class WithLimiterSwitch:
    """A sandbox with the control route newer sandboxes have: POST /_admin/ratelimit."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.seen: list[bool] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_admin/ratelimit":
            limiter = self.sandbox.services.limiter
            if scope["method"] == "POST":
                body = json.loads((await receive())["body"])
                limiter.enabled = bool(body["enabled"])
                self.seen.append(limiter.enabled)
            await JSONResponse({"enabled": limiter.enabled})(scope, receive, send)
            return
        await self.sandbox(scope, receive, send)


def test_a_sandbox_at_base_url_gets_the_full_check_limiter_off(tmp_path: Path) -> None:
    """A mailmocks sandbox is a fake: every operation, writes too, its limiter off for the
    run and put back after."""
    box = Sandbox(["convertkit"])  # its limiter on, as `mailmocks serve` starts
    app = WithLimiterSwitch(box)
    server = Served(app)
    server.start()
    report = tmp_path / "r.json"
    try:
        code = main(["check", "convertkit", "--base-url", f"{server.url}/convertkit", *QUICK,
                     "--credential", f"api_secret={_secret(box)}", "--report", str(report)])
    finally:
        server.stop()
    assert code == 0
    assert app.seen == [False, True] and box.services.limiter.enabled
    run = json.loads(report.read_text())["apis"]["convertkit"]
    assert run["rate_limited"] == 0 and not run["read_only"]
    assert len(run["operations"]) == len(apis.load("convertkit").contract.operations)


def test_wrong_credentials_do_not_make_a_green_run(sandbox: tuple[Sandbox, str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """ConvertKit documents its 401, so every check passes on it: the run still fails."""
    _, url = sandbox
    assert main(["check", "convertkit", "--base-url", f"{url}/convertkit", *QUICK,
                 "--read-only", "--credential", "api_secret=ck_sec_wrong"]) == 1
    assert "no request got a 2xx answer" in capsys.readouterr().out
