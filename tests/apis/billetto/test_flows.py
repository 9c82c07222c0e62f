"""Billetto webhooks feeding a HighLevel integration, end to end: the two seed flows (a
signup fills the welcome email, an event becomes a blog post that follows the event), with a
real receiver on 127.0.0.1, in process and against the running sandbox.

Facts: docs/vendors/billetto.md (§6, decisions D-1 to D-3) and docs/vendors/highlevel.md.
The receiver below is the kind of small integration a user writes: it verifies the
Billetto-Signature with `mailmocks.billetto.verify`, then calls HighLevel with the thin client.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mailmocks import billetto
from mailmocks.clients.highlevel import HighLevel
from mailmocks.testing.highlevel import Mock as HighLevelMock

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
def integration(highlevel_mock: HighLevelMock) -> Iterator[Integration]:
    app = Integration(highlevel_mock.client(), highlevel_mock.location_id,
                      highlevel_mock.billetto.secret)
    yield app
    app.close()


def test_signup_fills_the_welcome_template(highlevel_mock: HighLevelMock,
                                           integration: Integration) -> None:
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


def test_event_published_then_updated_then_cancelled(highlevel_mock: HighLevelMock,
                                                     integration: Integration) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    emitter = highlevel_mock.billetto
    first = emitter.emit("event.published", integration.url, data={"name": "Welcome"})
    assert first.state == "delivered", integration.errors
    post_id = integration.posts[first.payload["data"]["id"]]
    created = highlevel_mock.location.posts.by("id", post_id)
    assert created is not None
    assert created.url_slug == f"welcome-{first.payload['data']['id']}"  # "welcome" was taken
    eid = first.payload["data"]["id"]
    emitter.emit("event.updated", integration.url, data={"id": eid, "name": "Jazz by the Lake"})
    post = hl.get_blog_posts(loc, BLOG, limit=1)["blogs"][0]
    assert (post["_id"], post["title"], post["urlSlug"]) == (post_id, "Jazz by the Lake",
                                                             "jazz-by-the-lake")
    assert created.raw_html.startswith("<h1>Jazz by the Lake</h1>")  # sent with wordCount
    emitter.emit("event.cancelled", integration.url, data={"id": eid})
    assert created.archived
    assert integration.errors == []
    ops = [e.operation for e in highlevel_mock.journal.entries(api="highlevel", kind="request")]
    assert ops[:3] == ["check_url_slug_exists", "get_all_blog_authors_by_location",
                       "create_blog_post"]
    assert ops[3:] == ["check_url_slug_exists", "update_blog_post", "get_blog_posts",
                       "update_blog_post"]


def test_both_flows_against_the_running_sandbox(highlevel_live: HighLevelMock) -> None:
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
