"""Stored HTML never runs on the sandbox's origin, and no other site drives the sandbox.

In a real headless Chromium: a `<script>` stored through each vendor's API is opened at every
raw route that serves stored HTML (the outbox, HighLevel's preview and campaign pages); it
shows, but nothing in it runs. A page of another origin posts a plain form and no-cors
fetches at the control surface; none of them changes anything.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from support import wait_for

from mailmocks.pytest_plugin import LiveServer
from mailmocks.sandbox import Sandbox
from mailmocks.testing import make_mock
from mailmocks.testing.botamp import Mock as BotampMock
from mailmocks.testing.convertkit import Mock as ConvertKitMock
from mailmocks.testing.esputnik import Mock as EsputnikMock
from mailmocks.testing.highlevel import Mock as HighLevelMock
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

pytestmark = pytest.mark.slow  # `browser` (tests/conftest.py) skips without Chromium

# Everything it would do if it ran: retitle the page, freeze the clock, inject a fault.
HOSTILE = (
    "<p id='shown'>hello from a message</p>"
    "<script>document.title='pwned';"
    "fetch('/_admin/clock',{method:'POST',headers:{'content-type':'application/json'},"
    "body:'{\"freeze\": true}'});</script>"
    "<img src='/nothing.png' onerror=\"document.title='pwned'\">"
    "<svg onload=\"document.title='pwned'\"></svg>")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(strict=True)
    with LiveServer(box) as server:
        yield box, server.url


def _outbox_id(admin: httpx.Client, api: str, kind: str | None = None) -> int:
    params = {"api": api, **({"kind": kind} if kind else {})}
    assert wait_for(lambda: admin.get("/_admin/outbox", params=params).json())
    return int(admin.get("/_admin/outbox", params=params).json()[-1]["id"])


def stored_pages(box: Sandbox, root: str) -> list[str]:
    """One URL per vendor (and per route) that serves the HOSTILE HTML as stored."""
    admin = httpx.Client(base_url=root, trust_env=False)
    urls: list[str] = []

    ck = make_mock(ConvertKitMock, root=root, sandbox=box).client()
    ck.create_broadcast(subject="Stored", content=HOSTILE,
                        send_at=datetime.now(timezone.utc).isoformat())
    urls.append(f"/_admin/outbox/{_outbox_id(admin, 'convertkit', 'broadcast')}/html")

    es = make_mock(EsputnikMock, root=root, sandbox=box).client()
    es.send_email("news@acme-shop.test", "Stored", HOSTILE, ["stored@example.com"])
    assert wait_for(lambda: any(m["html"] for m in admin.get(
        "/_admin/outbox", params={"api": "esputnik"}).json()))
    urls.append(f"/_admin/outbox/{_outbox_id(admin, 'esputnik')}/html")

    pv = make_mock(ParcelvoyMock, root=root, sandbox=box).client()
    pv.update_template(1, type="email", data={"from": {"address": "hi@acme.test"},
                                              "subject": "Stored", "html": HOSTILE})
    pv.trigger_campaign(44, {"external_id": "ann"}, {})
    urls.append(f"/_admin/outbox/{_outbox_id(admin, 'parcelvoy')}/html")

    bt = make_mock(BotampMock, root=root, sandbox=box)
    bt.client().create_or_update_subscribers([{"email": "x@example.invalid", "name": HOSTILE},
                                              {"email": HOSTILE}])  # reasons name the entry
    urls.append(f"/_admin/outbox/{_outbox_id(admin, 'botamp', 'report')}/html")

    hl_mock = make_mock(HighLevelMock, root=root, sandbox=box)
    hl, loc = hl_mock.client(), hl_mock.location_id
    tid = hl.create_template(loc, "html", name="Stored", updated_by="u1")["redirect"]
    saved = hl.update_template(loc, tid, updated_by="u1", html=HOSTILE)
    urls.append(saved["previewUrl"].removeprefix(root))
    admin.close()
    return urls


def test_stored_script_never_runs_on_the_sandbox_origin(served: tuple[Sandbox, str],
                                                        browser: Any) -> None:
    box, root = served
    urls = stored_pages(box, root)
    assert len(urls) == 5
    page = browser.new_page()
    for url in urls:
        answer = page.goto(root + url)
        assert answer is not None and answer.status == 200, url
        assert answer.headers["content-security-policy"].startswith("sandbox"), url
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "hello from a message" in page.locator("body").inner_text(), url
        time.sleep(0.2)  # give a script every chance to run
        assert page.title() != "pwned", url
    page.close()
    clock = httpx.get(f"{root}/_admin/clock", trust_env=False).json()
    assert clock["frozen"] is False
    posts = [e for e in box.services.journal.entries() if e.method == "POST"
             and e.path.startswith("/_admin")]
    assert posts == []  # nothing reached the control surface


class _Hostile(BaseHTTPRequestHandler):
    """Another origin: a page that attacks the sandbox as soon as it loads."""

    target = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        t = self.target
        page = f"""<!doctype html><title>evil</title>
<form id=f method=POST action="{t}/_admin/faults" enctype="text/plain" target=sink>
<input name='{{"api":"convertkit","status":503,"pad":"' value='"}}'></form>
<iframe name=sink></iframe>
<script>
fetch("{t}/_admin/clock", {{method: "POST", mode: "no-cors",
  headers: {{"content-type": "text/plain"}}, body: '{{"freeze": true}}'}});
fetch("{t}/botamp/_sandbox/regenerate_key", {{method: "POST", mode: "no-cors"}});
fetch("{t}/_admin/reset", {{method: "POST", mode: "no-cors"}});
fetch("{t}/_admin/faults", {{method: "POST", headers: {{"content-type": "application/json"}},
  body: '{{"api": "convertkit", "status": 503}}'}}).catch(() => {{}});
document.getElementById("f").submit();
document.title = "sent";
</script>""".encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


def test_another_site_cannot_drive_the_control_surface(served: tuple[Sandbox, str],
                                                       browser: Any) -> None:
    box, root = served
    key_before = box.world("botamp").default.api_key
    _Hostile.target = root
    evil = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://localhost:{evil.server_address[1]}/")  # another origin
        page.wait_for_function("document.title === 'sent'")
        time.sleep(0.5)
        page.close()
    finally:
        evil.shutdown()
        evil.server_close()
    assert box.services.faults.list() == []
    assert box.services.clock.frozen is False
    assert box.world("botamp").default.api_key == key_before
    refused = [e for e in box.services.journal.entries() if e.path.startswith("/_admin")
               and e.method == "POST"]
    assert refused == []  # refused before any handler ran, so never journaled
