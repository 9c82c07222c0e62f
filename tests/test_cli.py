"""`mailmocks serve` as a user runs it: help, clear errors, and a real server on a port."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mailmocks.cli import build_parser, main
from mailmocks.pytest_plugin import free_port
from mailmocks.serve.options import resolve


def test_help_names_the_commands_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for word in ("--host", "--port", "--seed", "--fixtures", "8025", "127.0.0.1"):
        assert word in out
    assert resolve(build_parser().parse_args(["serve"]), Path("/")).port == 8025


def test_bad_fixture_option_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--fixtures", "nope"]) == 2
    assert "API=PATH" in capsys.readouterr().err
    assert main(["serve", "--fixtures", "convertkit=/does/not/exist.yaml"]) == 1
    assert "cannot load fixtures" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_prints_credentials_and_answers_like_the_vendor() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mailmocks", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                forms = httpx.get(f"{base}/convertkit/v3/forms",
                                  params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"}, trust_env=False)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert forms.status_code == 200
        assert forms.headers["content-type"] == "application/json; charset=utf-8"
        denied = httpx.get(f"{base}/convertkit/v3/forms", trust_env=False)
        assert denied.json() == {"error": "Authorization Failed", "message": "API Key not present"}
        assert httpx.get(f"{base}/_admin", trust_env=False).json()["apis"]["convertkit"]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/convertkit" in out
    assert "api_key=ck_pub_8Xq2LmN4vR7tY1wZ" in out and "api_secret=" in out


@pytest.mark.parametrize("argv", [["serve", "--prot", "1"], ["serve", "--api", "nope"],
                                  ["billetto", "emit", "nope"], ["nothing"]])
def test_usage_errors_are_one_line_and_exit_2(argv: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mailmocks") and "--help" in err
