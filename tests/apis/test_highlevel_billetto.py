"""Billetto webhooks into a HighLevel integration: signing, emission, the journal, and the
two seed flows end to end with a real receiver on 127.0.0.1.

Facts: /work/shared/api-facts/billetto.md (§6, decisions 1-3) and highlevel.md.
The receiver below is the kind of small integration a user writes: it verifies the
Billetto-Signature with `mailmocks.billetto.verify`, then calls HighLevel with the thin client.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from mailmocks import billetto
from mailmocks.clients.highlevel import HighLevel
from mailmocks.pytest_plugin import LiveServer, make_mock
from mailmocks.sandbox import Sandbox

BLOG = "zLTDthc4YJph2m42VEAU"
EVENTS = "659ecabc4a37969a2b7cc370"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Integration:
    """Billetto -> HighLevel: signups fill the welcome email, events become blog posts."""

    def __init__(self, hl: HighLevel, location_id: str, secret: str) -> None:
        self.hl, self.location_id, self.secret = hl, location_id, secret
        self.posts: dict[int, str] = {}  # Billetto event id -> HighLevel post id
        self.received: list[dict[str, Any]] = []
        self.errors: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    billetto.verify(raw, self.headers.get("Billetto-Signature"), outer.secret)
                except billetto.SignatureError as exc:
                    outer.errors.append(str(exc))
                    self._answer(401, b"bad signature")
                    return
                event = json.loads(raw)
                outer.received.append(event)
                try:
                    outer.handle(event["action"], event["data"])
                except Exception as exc:  # report, so the test sees it
                    outer.errors.append(repr(exc))
                    self._answer(500, b"failed")
                    return
                self._answer(200, b"ok")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/billetto"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # the integration's logic
    def handle(self, action: str, data: dict[str, Any]) -> None:
        if action in ("attendee.created", "order.completed"):
            self.welcome(data)
        elif action == "event.published":
            self.publish(data)
        elif action in ("event.updated", "event.cancelled"):
            self.update(data, archived=action == "event.cancelled")

    def welcome(self, person: dict[str, Any]) -> None:
        found = self.hl.fetch_template(self.location_id, search="welcome", templates_only=True)
        template = found["builders"][0]
        self.hl.update_template(
            self.location_id, template["id"], updated_by="billetto-integration",
            html=f"<h1>Welcome, {person['first_name']}!</h1>"
                 f"<p>See you at {person['event_name']}.</p>",
            preview_text=f"Your tickets for {person['event_name']}")

    def post_fields(self, event: dict[str, Any]) -> dict[str, Any]:
        return dict(description=event["description"][:160], image_url=event["image_url"],
                    image_alt_text=event["name"], status="PUBLISHED",
                    raw_html=f"<h1>{event['name']}</h1><p>{event['description']}</p>",
                    published_at=event["updated_at"], canonical_link=event["public_url"])

    def publish(self, event: dict[str, Any]) -> None:
        slug = slugify(event["name"])
        if self.hl.check_url_slug_exists(self.location_id, slug)["exists"]:
            slug = f"{slug}-{event['id']}"
        author = self.hl.get_all_blog_authors_by_location(self.location_id, limit=1)["authors"]
        post = self.hl.create_blog_post(
            self.location_id, BLOG, title=event["name"], url_slug=slug, categories=[EVENTS],
            author=author[0]["_id"], tags=["billetto"], **self.post_fields(event))["data"]
        self.posts[int(event["id"])] = post["_id"]

    def update(self, event: dict[str, Any], archived: bool) -> None:
        post_id = self.posts[int(event["id"])]
        if archived:
            self.hl.update_blog_post(post_id, self.location_id, status="ARCHIVED")
            return
        slug = slugify(event["name"])
        taken = self.hl.check_url_slug_exists(self.location_id, slug, post_id=post_id)
        fields = self.post_fields(event)
        self.hl.update_blog_post(post_id, self.location_id, title=event["name"],
                                 word_count=len(fields["raw_html"].split()),
                                 **({} if taken["exists"] else {"url_slug": slug}), **fields)


@pytest.fixture
def integration(highlevel_mock: Any) -> Iterator[Integration]:
    app = Integration(highlevel_mock.client(), highlevel_mock.location_id,
                      highlevel_mock.billetto.secret)
    yield app
    app.close()


# -- signing -------------------------------------------------------------------------------
def test_sign_and_verify_round_trip() -> None:
    body = b'{"action":"event.published","data":{"id":1}}'
    header = billetto.sign(body, "whsec_x", 1_700_000_000)
    assert re.fullmatch(r"t=1700000000,v1=[0-9a-f]{64}", header)
    assert billetto.verify(body, header, "whsec_x", now=1_700_000_100) == 1_700_000_000
    for tampered, secret, now in ((body + b" ", "whsec_x", 1_700_000_000),
                                  (body, "whsec_y", 1_700_000_000),
                                  (body, "whsec_x", 1_700_000_301)):
        assert not billetto.is_valid(tampered, header, secret, now=now)
    with pytest.raises(billetto.SignatureError, match="missing"):
        billetto.verify(body, None, "whsec_x")
    with pytest.raises(billetto.SignatureError, match="timestamp"):
        billetto.verify(body, "v1=abc", "whsec_x")
    rotated = f"{header},v1={'0' * 64}"
    assert billetto.is_valid(body, rotated, "whsec_x", now=1_700_000_000)


# -- emission ------------------------------------------------------------------------------
def test_every_action_is_emitted_signed_and_journaled(highlevel_mock: Any,
                                                      integration: Integration) -> None:
    emitter = highlevel_mock.billetto
    for action in billetto.ACTIONS:
        data = {"id": 424242} if action.startswith("event.") else None
        delivery = emitter.emit(action, integration.url, data=data)
        assert delivery.state == "delivered" and delivery.attempts[-1].status == 200
    assert integration.errors == []
    assert [e["action"] for e in integration.received] == list(billetto.ACTIONS)
    order = integration.received[0]["data"]
    assert order["object"] == "order" and "@" in order["email"] and order["state"] == "completed"
    attendee = integration.received[1]["data"]
    assert attendee["object"] == "attendee" and attendee["ticket_type"]["name"]
    published, updated, cancelled = (e["data"] for e in integration.received[2:])
    assert published["id"] == updated["id"] == cancelled["id"] == 424242
    assert published["name"] == updated["name"] and cancelled["state"] == "cancelled"
    webhooks = highlevel_mock.journal.records(api="billetto", kind="webhook")
    assert [w["operation"] for w in webhooks] == list(billetto.ACTIONS)
    assert webhooks[0]["status"] == 200 and webhooks[0]["response_body"] == "ok"
    assert webhooks[0]["path"] == integration.url


def test_a_receiver_with_another_secret_refuses(highlevel_mock: Any,
                                                integration: Integration) -> None:
    delivery = highlevel_mock.billetto.emit("order.completed", integration.url,
                                            secret="whsec_wrong")
    assert delivery.state == "failed" and delivery.attempts[0].status == 401
    assert integration.errors == ["signature does not match"] and integration.received == []


def test_control_routes_register_targets_and_emit(highlevel_mock: Any,
                                                  integration: Integration) -> None:
    http = highlevel_mock.http
    assert http.post("/_sandbox/billetto/emit", json={"action": "order.completed"}
                     ).status_code == 400  # no target yet
    assert http.post("/_sandbox/billetto/emit", json={"action": "order.refunded"}
                     ).status_code == 400
    target = http.post("/_sandbox/billetto/targets", json={"url": integration.url}).json()
    assert target["secret"] == highlevel_mock.billetto.secret
    assert http.get("/_sandbox/billetto/targets").json() == [target]
    sent = http.post("/_sandbox/billetto/emit", json={"action": "attendee.created",
                                                      "data": {"first_name": "Ada"}})
    assert sent.status_code == 202 and sent.json()["payload"]["data"]["first_name"] == "Ada"
    highlevel_mock.drain()
    delivery = http.get(f"/_sandbox/billetto/deliveries/{sent.json()['deliveries'][0]['id']}")
    assert delivery.json()["state"] == "delivered"
    assert integration.received[0]["data"]["first_name"] == "Ada"
    assert http.delete(f"/_sandbox/billetto/targets/{target['id']}").status_code == 204
    assert http.get("/_sandbox/billetto/deliveries").json()[0]["event"] == "attendee.created"


# -- the seed flows ------------------------------------------------------------------------
def test_signup_fills_the_welcome_template(highlevel_mock: Any, integration: Integration
                                           ) -> None:
    delivery = highlevel_mock.billetto.emit("attendee.created", integration.url,
                                            data={"first_name": "Karen"})
    assert delivery.state == "delivered", integration.errors
    welcome = next(t for t in highlevel_mock.location.templates
                   if t.name == "Welcome - new attendee")
    assert welcome.html.startswith("<h1>Welcome, Karen!</h1>")
    assert welcome.updated_by == "billetto-integration"
    preview = highlevel_mock.http.get(f"/_sandbox/emails/preview/{welcome.id}")
    assert "Welcome, Karen!" in preview.text
    ops = [e.operation for e in highlevel_mock.journal.entries(api="highlevel", kind="request")]
    assert ops == ["fetch_template", "update_template"]


def test_event_published_then_updated_then_cancelled(highlevel_mock: Any,
                                                     integration: Integration) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    emitter = highlevel_mock.billetto
    first = emitter.emit("event.published", integration.url, data={"name": "Welcome"})
    assert first.state == "delivered", integration.errors
    post_id = integration.posts[first.payload["data"]["id"]]
    created = highlevel_mock.location.posts.by("id", post_id)
    assert created.url_slug == f"welcome-{first.payload['data']['id']}"  # "welcome" was taken
    eid = first.payload["data"]["id"]
    emitter.emit("event.updated", integration.url, data={"id": eid, "name": "Jazz by the Lake"})
    post = hl.get_blog_posts(loc, BLOG, limit=1)["blogs"][0]
    assert (post["_id"], post["title"], post["urlSlug"]) == (post_id, "Jazz by the Lake",
                                                             "jazz-by-the-lake")
    assert created.raw_html.startswith("<h1>Jazz by the Lake</h1>")  # sent with wordCount
    emitter.emit("event.cancelled", integration.url, data={"id": eid})
    assert highlevel_mock.location.posts.by("id", post_id).archived
    assert integration.errors == []
    ops = [e.operation for e in highlevel_mock.journal.entries(api="highlevel", kind="request")]
    assert ops[:3] == ["check_url_slug_exists", "get_all_blog_authors_by_location",
                       "create_blog_post"]
    assert ops[3:] == ["check_url_slug_exists", "update_blog_post", "get_blog_posts",
                       "update_blog_post"]


def test_both_flows_against_the_running_sandbox(highlevel_live: Any) -> None:
    """The same integration, the sandbox on a real port, events fired through its control
    route (what `mailmocks billetto emit` does)."""
    mock = highlevel_live
    hl = HighLevel(mock.token, base_url=mock.base_url)
    app = Integration(hl, mock.location_id, mock.billetto.secret)
    try:
        signup = billetto.emit_via_sandbox(mock.root, "order.completed", app.url,
                                           data={"first_name": "Live"})
        assert signup["deliveries"][0]["state"] == "delivered", app.errors
        published = billetto.emit_via_sandbox(mock.root, "event.published", app.url)
        eid = published["payload"]["data"]["id"]
        billetto.emit_via_sandbox(mock.root, "event.updated", app.url,
                                  data={"id": eid, "name": "Renamed live event"})
        assert app.errors == []
        post = hl.get_blog_posts(mock.location_id, BLOG, limit=1)["blogs"][0]
        assert (post["_id"], post["urlSlug"]) == (app.posts[eid], "renamed-live-event")
        welcome = hl.fetch_template(mock.location_id, search="welcome")["builders"][0]
        page = hl._http.get(welcome["previewUrl"])
        assert "Welcome, Live!" in page.text
        journal = hl._http.get(f"{mock.root}/_admin/journal",
                               params={"api": "billetto"}).json()
        assert [e["status"] for e in journal] == [200, 200, 200]
    finally:
        app.close()
        hl.close()


def test_cli_emits_through_the_sandbox_and_directly(tmp_path: Any) -> None:
    box = Sandbox(["highlevel"], strict=True)
    with LiveServer(box) as server:
        mock = make_mock("highlevel", root=server.url, sandbox=box)
        app = Integration(mock.client(), mock.location_id, mock.billetto.secret)
        try:
            out = subprocess.run(
                [sys.executable, "-m", "mailmocks", "billetto", "emit", "attendee.created",
                 "--url", app.url, "--sandbox", server.url, "--data", '{"first_name": "Cli"}'],
                capture_output=True, text=True, timeout=60, check=True).stdout
            assert json.loads(out)["deliveries"][0]["state"] == "delivered"
            direct = subprocess.run(
                [sys.executable, "-m", "mailmocks", "billetto", "emit", "event.published",
                 "--direct", "--url", app.url, "--secret", mock.billetto.secret],
                capture_output=True, text=True, timeout=60, check=True).stdout
            assert json.loads(direct)["status"] == 200
            assert [e["action"] for e in app.received] == ["attendee.created",
                                                           "event.published"]
            assert app.errors == []
        finally:
            app.close()
            mock.close()
    bad = subprocess.run([sys.executable, "-m", "mailmocks", "billetto", "emit",
                          "order.completed", "--direct"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "--direct needs" in bad.stderr


def test_payloads_are_realistic_and_deterministic() -> None:
    from mailmocks.apis.billetto import Payloads
    a = Payloads({}, seed=7).build("event.published", 1_800_000_000.0)
    b = Payloads({}, seed=7).build("event.published", 1_800_000_000.0)
    assert a == b and a["action"] == "event.published"
    event = a["data"]
    assert event["public_url"].startswith("https://billetto.dk/e/")
    assert event["starts_at"] < event["ends_at"] and event["ticket_types"]
    assert orjson.loads(orjson.dumps(a)) == a
    with pytest.raises(ValueError):
        Payloads({}).build("ledger_entry.created", 0.0)
