"""`mailmocks serve` in a subprocess, as a developer runs it: the port is bound first and
answers at once, the banner follows, a port in use is one line, and a stop (SIGTERM) finishes
what is due, deliveries included, and reports what was pending."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import wait_for

from mailmocks.pytest_plugin import free_port

ROOT = Path(__file__).resolve().parents[2]
CK_KEY = "ck_pub_8Xq2LmN4vR7tY1wZ"
CK_SECRET = "ck_sec_Jp3Hd9Kf2Ls8Qw5Ez1Cx7Vb4Nm6"


class Served:
    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailmocks", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT,
            env=env)
        self.http = httpx.Client(base_url=self.root, trust_env=False, timeout=30)

    def first_answer(self, path: str = "/_admin/clock", limit: float = 30) -> float:
        while True:
            try:
                self.http.get(path)
                return time.monotonic() - self.started
            except httpx.TransportError:
                assert self.proc.poll() is None, self.proc.communicate()
                assert time.monotonic() - self.started < limit
                time.sleep(0.01)

    def ck(self, method: str, path: str, **kw: object) -> httpx.Response:
        return self.http.request(method, f"/convertkit{path}", **kw)  # type: ignore[arg-type]

    def stop(self, sig: int = signal.SIGTERM) -> tuple[str, str]:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=60)
        return out, err


class SlowReceiver:
    """A webhook target that takes 0.25 s per answer, so deliveries are in flight."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.busy_at_stop = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                time.sleep(0.25)
                outer.bodies.append(json.loads(raw))
                try:
                    self.send_response(200)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:  # the sender gave up meanwhile: it is counted as not sent
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def slow() -> Iterator[SlowReceiver]:
    rec = SlowReceiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def served() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.communicate()


@pytest.mark.slow
def test_binds_first_answers_then_prints_the_banner(served: list[Served]) -> None:
    s = Served("--api", "convertkit", "--api", "botamp")
    served.append(s)
    took = s.first_answer()
    assert took < 15  # loose: the figure is measured by bench/startup.py
    forms = s.ck("GET", "/v3/forms", params={"api_key": CK_KEY})
    assert forms.status_code == 200  # waits for the world, never a 404 while it is built
    out, err = s.stop()
    assert s.proc.returncode == 0, err
    head = out.split("\n\n")[0]
    assert head.startswith("mailmocks ") and f"sandbox on {s.root}" in head
    assert f"api_key={CK_KEY}" in out and f"inbox:  {s.root}/" in out
    assert f"admin:  {s.root}/_admin" in out and "Ctrl+C to stop." in out
    assert "GET /v3/forms list_forms 200" in out.split("Ctrl+C to stop.")[1]
    assert "esputnik" not in out and "Traceback" not in err


@pytest.mark.slow
def test_json_log_format_makes_every_line_json(served: list[Served]) -> None:
    s = Served("--api", "convertkit", "--log-format", "json")
    served.append(s)
    s.first_answer(f"/convertkit/v3/forms?api_key={CK_KEY}")
    out, _ = s.stop()
    ready, request, stopped = (json.loads(line) for line in out.splitlines())
    assert ready["kind"] == "ready" and ready["url"] == s.root
    assert ready["apis"]["convertkit"]["base_url"] == f"{s.root}/convertkit"
    assert any(CK_KEY in note for note in ready["apis"]["convertkit"]["notes"])
    assert (request["operation"], request["status"]) == ("list_forms", 200)
    assert stopped["kind"] == "server" and stopped["message"].startswith("stopped:")


@pytest.mark.slow
def test_no_rate_limit_switches_the_windows_off(served: list[Served]) -> None:
    s = Served("--api", "convertkit", "--no-rate-limit", "--quiet")
    served.append(s)
    s.first_answer()
    statuses = {s.ck("GET", "/v3/forms", params={"api_key": CK_KEY}).status_code
                for _ in range(125)}  # ConvertKit allows 120 a minute
    assert statuses == {200}
    out, _ = s.stop()
    assert "list_forms" not in out  # --quiet: the banner and the stop line only


@pytest.mark.slow
def test_a_bad_fixture_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "ck.yaml"
    bad.write_text("accounts: 3\n")
    run = subprocess.run([sys.executable, "-m", "mailmocks", "serve", "--port", "0",
                          "--fixtures", f"convertkit={bad}"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 1 and "Ctrl+C" not in run.stdout
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith(f"mailmocks: cannot load fixtures: {bad}: accounts")


@pytest.mark.slow
def test_port_in_use_is_one_line_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "mailmocks", "serve", "--port", str(port)],
                             capture_output=True, text=True, timeout=60, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 1
    assert run.stdout == ""  # no banner, no credentials
    assert run.stderr.count("\n") == 1 and f"port {port} on 127.0.0.1 is in use" in run.stderr


@pytest.mark.slow
def test_sigterm_delivers_what_is_due_and_reports_what_is_pending(
        served: list[Served], slow: SlowReceiver) -> None:
    s = Served("--api", "convertkit")
    served.append(s)
    s.first_answer()
    tags = s.ck("GET", "/v3/tags", params={"api_key": CK_KEY}).json()["tags"]
    tag = tags[0]["id"]
    rule = s.ck("POST", "/v3/automations/hooks", json={
        "api_secret": CK_SECRET, "target_url": f"{slow.url}/hook",
        "event": {"name": "subscriber.tag_add", "tag_id": tag}})
    assert rule.status_code == 200, rule.text
    for i in range(12):  # deliveries queue behind the two slots the target gets at once
        answer = s.ck("POST", f"/v3/tags/{tag}/subscribe",
                      json={"api_key": CK_KEY, "email": f"stop{i}@example.com"})
        assert answer.status_code == 200, answer.text
    assert wait_for(lambda: slow.bodies)
    slow.busy_at_stop = len(slow.bodies) < 12
    out, err = s.stop()
    assert s.proc.returncode == 0, err
    assert "drain gave up" not in err and "Traceback" not in err
    assert slow.busy_at_stop  # the stop came while deliveries were on their way
    emails = sorted(b["subscriber"]["email_address"] for b in slow.bodies)
    assert emails == sorted(f"stop{i}@example.com" for i in range(12))  # nothing acknowledged lost
    assert out.count("convertkit webhook POST") == 12
    tail = out.splitlines()[-1]
    assert "stopped: 1 job(s) scheduled for later" in tail  # the fixture's scheduled broadcast
    assert "convertkit:broadcast:" in tail and "use --data-dir" in tail
