"""The inspector in a real headless Chromium, served for real (uvicorn on 127.0.0.1).

One sandbox for the module (every API, strict), reset before each test; one browser for the
session. With MAILMOCKS_SCREENSHOTS=1 the layout test writes docs/screenshots/*.png.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
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

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = (390, 1024, 1440)
# the README's pictures (written with MAILMOCKS_SCREENSHOTS=1)
SHOWN = {("home", 1440), ("inbox", 1440), ("inbox", 390), ("requests", 1024),
         ("state", 1440), ("controls", 1024)}
OLENA = 100000001  # eSputnik fixture contact
WELCOME_MSG = 3000002  # eSputnik fixture message
RECEIPT = 44  # Parcelvoy fixture trigger campaign


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(strict=True)
    with LiveServer(box) as server:
        yield box, server.url


@pytest.fixture
def sandbox(served: tuple[Sandbox, str]) -> tuple[Sandbox, str]:
    box, root = served
    box.reset()
    box.services.clock.wall()
    box.services.limiter.enabled = True
    return box, root


def api(box: Sandbox, root: str) -> httpx.Client:
    return httpx.Client(base_url=root, trust_env=False)


def test_home_shows_every_key_and_a_curl_that_works(sandbox: tuple[Sandbox, str],
                                                    browser: Any) -> None:
    box, root = sandbox
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(root + "/")
    for name, app in box.apps.items():
        card = page.locator(f"#api-{name}")
        for line in app.api.describe(app.world):
            assert line in card.inner_text()
        assert f"{root}/{name}" in card.locator(f"#base-{name}").inner_text()
    curl = page.locator("#curl-convertkit").inner_text()
    assert curl.startswith("curl ") and root in curl
    answer = subprocess.run(shlex.split(curl), capture_output=True, timeout=20, check=True,
                            env={**os.environ, "no_proxy": "*"})
    assert "tags" in orjson.loads(answer.stdout)
    assert "import httpx" in (page.locator("#py-convertkit").text_content() or "")
    page.locator("#api-convertkit").get_by_role("button", name="Copy curl").click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.startsWith('curl '))")
    assert page.evaluate("navigator.clipboard.readText()") == curl
    context.close()


def test_sends_appear_in_the_inbox_live_and_open_rendered(sandbox: tuple[Sandbox, str],
                                                          browser: Any) -> None:
    box, root = sandbox
    inbox, controls = browser.new_page(), browser.new_page()
    inbox.goto(root + "/inbox")
    assert "Nothing sent yet" in inbox.locator("#outbox").inner_text()

    # a ConvertKit broadcast for tomorrow, fired by advancing the clock from the Controls page
    ck = make_mock(ConvertKitMock, root=root, sandbox=box).client()
    send_at = datetime.now(timezone.utc) + timedelta(hours=20)
    ck.create_broadcast(subject="Flash sale", content="<p>Everything must go</p>",
                        send_at=send_at.isoformat())
    controls.goto(root + "/controls")
    assert "convertkit:broadcast" in controls.locator("#job-list").inner_text()
    controls.get_by_role("button", name="+1 day").click()
    inbox.wait_for_selector("#outbox tr.msg:has-text('Flash sale')", timeout=15_000)

    # an eSputnik smartsend and a Parcelvoy trigger, through the APIs
    es = make_mock(EsputnikMock, root=root, sandbox=box).client()
    es.smartsend(WELCOME_MSG, [{"contactId": OLENA}])
    pv = make_mock(ParcelvoyMock, root=root, sandbox=box).client()
    pv.trigger_campaign(RECEIPT, {"external_id": "ann"}, {})
    inbox.wait_for_selector("#outbox tr.msg:has-text('esputnik')", timeout=15_000)
    inbox.wait_for_selector("#outbox tr.msg:has-text('parcelvoy')", timeout=15_000)

    inbox.locator("#outbox tr.msg:has-text('esputnik') a").first.click()
    [sent] = box.services.outbox.messages("esputnik")
    assert inbox.locator("#to").inner_text() == sent.to
    body = inbox.frame_locator("#preview").locator("body").inner_text()
    assert body.strip() and "$" not in body  # rendered, no Velocity left
    # the vendor's own lifecycle route for this send, offered on the message
    action = inbox.locator("form.vendor-action")
    assert "/esputnik/_sandbox/sends/" in action.inner_text()
    action.locator("input").fill('{"status": "READ"}')
    action.get_by_role("button", name="Send").click()
    inbox.wait_for_selector("#status:has-text('READ')")
    inbox.locator("#recipient-state").click()  # the message links to the objects it names
    assert "orgs[734521].contacts" in inbox.locator("#table-view h2").inner_text()
    assert sent.to in inbox.locator("#rows").inner_text()
    inbox.go_back()
    inbox.locator("#outbox tr.msg:has-text('parcelvoy') a").first.click()
    assert "{{" not in inbox.frame_locator("#preview").locator("body").inner_text()
    inbox.get_by_role("button", name="Mark opened").click()
    inbox.wait_for_selector("#status:has-text('opened')")
    [receipt] = box.services.outbox.messages("parcelvoy")
    assert receipt.status == "opened"
    before = len(box.services.outbox)
    inbox.get_by_role("button", name="Delete", exact=True).click()
    inbox.wait_for_url("**/inbox")
    assert len(box.services.outbox) == before - 1 and box.services.outbox.get(receipt.id) is None
    inbox.get_by_label("Search").fill("flash sale")
    inbox.get_by_role("button", name="Filter").click()
    rows = inbox.locator("#outbox tr.msg")
    assert rows.count() >= 1 and all("Flash sale" in t for t in rows.all_inner_texts())
    inbox.on("dialog", lambda dialog: dialog.accept())
    inbox.get_by_role("button", name="Delete all").click()
    inbox.wait_for_selector("#outbox:has-text('Nothing sent yet')")
    assert len(box.services.outbox) == 0
    inbox.close()
    controls.close()


def test_requests_filtered_to_violations_show_the_problem(sandbox: tuple[Sandbox, str],
                                                          page: Any) -> None:
    box, root = sandbox
    with api(box, root) as http:
        http.get("/convertkit/v3/tags", params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"})
        bad = http.post("/convertkit/v3/tags", json={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ",
                                                     "tag": {"name": 5}})
        assert bad.status_code == 422
    page.goto(root + "/requests")
    assert page.locator("#journal tr.req").count() == 2
    with api(box, root) as http:  # the list follows new requests without a reload
        http.get("/convertkit/v3/forms", params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"})
    page.wait_for_selector("#journal tr.req:has-text('GET /v3/forms')", timeout=15_000)
    assert page.locator("#journal tr.req").count() == 3
    page.get_by_label("contract violations only").check()
    page.get_by_role("button", name="Filter").click()
    assert page.locator("#journal tr.req").count() == 1
    page.locator("#journal tr.req a").first.click()
    assert page.locator("#entry-operation").inner_text() == "create_tags"
    problems = page.locator("#problems").inner_text()
    assert "body\ttag\toneOf" in problems and "{\"name\":5}" in problems
    assert "[redacted]" in page.locator("#request-body").inner_text()
    assert "ck_pub_8Xq2LmN4vR7tY1wZ" not in page.content()
    replay = page.locator("#replay").inner_text()
    assert replay.startswith(f"curl -sS -X POST {root}/convertkit/v3/tags")


def test_fault_reset_ratelimit_and_run_now_controls_take_effect(
        sandbox: tuple[Sandbox, str], page: Any) -> None:
    box, root = sandbox
    key = {"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"}
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(root + "/controls")
    form = page.locator("#fault-form")
    form.get_by_label("API").select_option("convertkit")
    form.get_by_label("Operation").fill("list_tags")
    form.get_by_label("Status").fill("503")
    form.get_by_role("button", name="Add fault").click()
    page.wait_for_selector("#fault-list td:has-text('answer 503')")
    with api(box, root) as http:
        assert http.get("/convertkit/v3/tags", params=key).status_code == 503
        page.goto(root + "/requests?api=convertkit")
        page.locator("#journal tr.req a").first.click()
        assert "answered 503" in page.locator("#entry-fault").inner_text()

        page.goto(root + "/controls")
        form.get_by_label("Status").fill("99")  # the API refuses it, and the page says why
        form.get_by_role("button", name="Add fault").click()
        page.wait_for_selector("#flash.bad")
        assert "status" in page.locator("#flash").inner_text()

        ck = make_mock(ConvertKitMock, root=root, sandbox=box).client()
        ck.create_tags("Made before the reset")
        page.get_by_role("button", name="Reset all").click()
        page.wait_for_selector("#fault-list td:has-text('No faults')")
        tags = http.get("/convertkit/v3/tags", params=key)
        assert tags.status_code == 200
        assert "Made before the reset" not in tags.text

        clock = page.locator("#clock-controls")
        clock.get_by_label("Set to").fill("2031-01-01T00:00:00Z")
        clock.get_by_role("button", name="Set", exact=True).click()
        page.wait_for_selector("#clock-now:has-text('2031-01-01T00:00')")
        assert box.services.clock.now() >= 1924992000 and not box.services.clock.frozen
        clock.get_by_role("button", name="Freeze", exact=True).click()
        page.wait_for_selector("#clock-state:has-text('frozen')")
        clock.get_by_label("Advance by").fill("90")
        clock.get_by_role("button", name="Advance", exact=True).click()
        page.wait_for_selector("#clock-now:has-text('2031-01-01T00:01:3')")
        clock.get_by_role("button", name="Unfreeze").click()
        page.wait_for_selector("#clock-state:has-text('running')")
        assert box.services.clock.now() >= 1924992090  # on from where it stood
        clock.get_by_role("button", name="Back to real time").click()
        page.wait_for_selector("#clock-now:not(:has-text('2031-'))")

        page.get_by_role("button", name="Turn off").click()
        page.wait_for_selector("#ratelimit-state:has-text('off')")
        assert box.services.limiter.enabled is False

        later = datetime.now(timezone.utc) + timedelta(days=30)
        ck.create_broadcast(subject="Run me now", content="<p>x</p>",
                            send_at=later.isoformat())
        page.reload()
        row = page.locator("#job-list tr", has_text="convertkit:broadcast").last
        row.get_by_role("button", name="Run now").click()
        assert wait_for(lambda: http.get("/_admin/outbox", params={"q": "Run me now"}).json())


def _overlaps() -> str:
    return """() => {
  const bad = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) bad.push("scrolls sideways: " + root.scrollWidth);
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const groups = document.querySelectorAll(
    "body, main, .split, .cards, .state, header.top, header.top nav, .filters, .actions, dl.urls");
  for (const g of groups) {
    const kids = [...g.children].filter(shown);
    for (let i = 0; i < kids.length; i++) {
      for (let j = i + 1; j < kids.length; j++) {
        const a = kids[i].getBoundingClientRect(), b = kids[j].getBoundingClientRect();
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 &&
            b.top < a.bottom - 1) {
          bad.push(kids[i].tagName + "#" + kids[i].id + "." + kids[i].className + " overlaps " +
                   kids[j].tagName + "#" + kids[j].id + "." + kids[j].className);
        }
      }
    }
  }
  for (const e of document.querySelectorAll(".pane, .card, .scroll, pre, iframe, form")) {
    if (shown(e) && e.getBoundingClientRect().right > window.innerWidth + 1) {
      bad.push("wider than the window: " + e.tagName + "#" + e.id + "." + e.className);
    }
  }
  return bad;
}"""


def test_layout_holds_from_phone_to_wide_screen(sandbox: tuple[Sandbox, str],
                                                page: Any) -> None:
    box, root = sandbox
    ck = make_mock(ConvertKitMock, root=root, sandbox=box).client()
    ck.add_subscriber_to_form(3002, "a.very.long.address.that.does.not.wrap@example.com",
                              first_name="Ada")
    es = make_mock(EsputnikMock, root=root, sandbox=box).client()
    es.smartsend(WELCOME_MSG, [{"contactId": OLENA}])
    assert wait_for(lambda: len(box.services.outbox) >= 2)
    entry = box.services.journal.entries()[-1].id
    pages = {"home": "/", "inbox": "/inbox", "requests": f"/requests?e={entry}",
             "state": "/state?api=convertkit&table=accounts%5B1001%5D.subscribers",
             "controls": "/controls", "docs": "/_admin/docs"}
    shoot = bool(os.environ.get("MAILMOCKS_SCREENSHOTS"))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            page.goto(root + url)
            assert page.evaluate(_overlaps()) == [], (name, width)
            if shoot and (name, width) in SHOWN:
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


HOSTILE = "<img src=x onerror=pwned=1>Eve"  # short: eSputnik takes 40 characters of a name


def test_hostile_names_in_every_vendor_stay_text(sandbox: tuple[Sandbox, str],
                                                 page: Any) -> None:
    box, root = sandbox
    ck = make_mock(ConvertKitMock, root=root, sandbox=box).client()
    ck.create_tags(HOSTILE)
    ck.add_subscriber_to_form(3002, "eve@example.com", first_name=HOSTILE)
    make_mock(BotampMock, root=root, sandbox=box).client().create_or_update_subscribers(
        [{"email": "eve@example.com", "name": HOSTILE}])
    # eSputnik refuses markup in a contact's name (as the real one does): a message's name
    make_mock(EsputnikMock, root=root, sandbox=box).client().create_email_message(
        HOSTILE, "news@acme-shop.test", HOSTILE, "<p>hello</p>")
    make_mock(ParcelvoyMock, root=root, sandbox=box).client().identify(
        external_id="eve", email="eve@example.com", data={"name": HOSTILE})
    hl_mock = make_mock(HighLevelMock, root=root, sandbox=box)
    hl_mock.client().create_template(hl_mock.location_id, "html", name=HOSTILE,
                                     updated_by="u1")
    assert wait_for(lambda: box.services.outbox.messages("convertkit"))

    from mailmocks.inspector import state

    def holding() -> list[str]:
        """The State pages showing a row with the hostile name (some vendors store later)."""
        found = []
        for name, app in box.apps.items():
            for table, rows in state.tables(app.world).items():
                if any(HOSTILE in orjson.dumps(state.row(r), default=str).decode()
                       for r in rows):
                    offset = max(0, len(rows) - 50)
                    found.append(f"/state?api={name}&table={table}&offset={offset}")
        return found

    assert wait_for(lambda: {u.split("&")[0] for u in holding()} == {
        f"/state?api={n}" for n in box.apps})  # the name is stored in every vendor
    urls = ["/inbox", "/requests", "/controls", "/", *holding()]
    for url in urls:
        page.goto(root + url)
        assert page.evaluate("window.pwned") is None, url
        if url.startswith("/state"):
            assert HOSTILE in page.locator("#rows").inner_text(), url
    page.goto(root + "/requests")
    page.locator("#journal tr.req a").first.click()
    assert page.evaluate("window.pwned") is None


class _Evil(BaseHTTPRequestHandler):
    """Another origin that tries to drive the sandbox the moment it loads."""

    target = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        t = self.target
        html = f"""<!doctype html><title>evil</title>
<form id=f method=POST action="{t}/_admin/reset" enctype="text/plain" target=sink>
<input name='{{"api":"convertkit","x":"' value='"}}'></form><iframe name=sink></iframe>
<script>
fetch("{t}/_admin/faults", {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"content-type": "text/plain"}}, body: '{{"status": 503}}'}});
document.getElementById("f").submit();
setTimeout(() => {{ document.title = "sent"; }}, 300);
</script>""".encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(html)))
        self.end_headers()
        self.wfile.write(html)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_cross_site_form_and_a_tokenless_call_are_refused(sandbox: tuple[Sandbox, str],
                                                            browser: Any) -> None:
    box, root = sandbox
    ck = make_mock(ConvertKitMock, root=root, sandbox=box).client()
    ck.create_tags("Survives")
    context = browser.new_context()
    page = context.new_page()
    page.goto(root + "/controls")  # the inspector's session cookie is set now
    _Evil.target = root
    evil = ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        other = context.new_page()
        other.goto(f"http://localhost:{evil.server_address[1]}/")  # another origin
        other.wait_for_function("document.title === 'sent'")
        time.sleep(0.3)
    finally:
        evil.shutdown()
        evil.server_close()
    assert box.services.faults.list() == []
    assert "Survives" in [t.name for t in box.world("convertkit").default.tags]
    # same origin, but without the session's token: refused; with it, done
    call = """token => fetch('/_admin/faults', {method: 'POST', headers: Object.assign(
        {'content-type': 'application/json'}, token ? {'x-mailmocks-token': token} : {}),
        body: '{"status": 503, "api": "convertkit"}'}).then(r => r.status)"""
    assert page.evaluate(call, "") == 403
    token = page.locator('meta[name="mailmocks-token"]').get_attribute("content")
    assert page.evaluate(call, token) == 201
    assert len(box.services.faults.list()) == 1
    csp = page.goto(root + "/inbox").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    context.close()
