"""ConvertKit v3 fake: what goes out. Broadcasts (scheduled sends rendered with Liquid into the
outbox), purchases, automation hooks delivered to a real local HTTP receiver, the
double-opt-in confirmation round trip, and the asynchronous (202) subscriber update.

Facts: /work/shared/api-facts/convertkit.md (§n = section, D-n = "Decisions for the fake").
Deliveries are jobs: nothing reaches a webhook target until `convertkit_mock.drain()`.
"""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mailmocks.clients.base import ApiError, InvalidRequest, NotFound

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}
ALREADY_SENT = {"error": "Unprocessable Entity", "message": "Broadcast has already been sent"}
TOO_MANY_FIELDS = {"error": "Bad Request",
                   "message": "Too many custom fields: at most 125 can be updated in one request"}
MISSING_PARAMS = "Your request is missing parameters"
FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]
ACTIVE = 273  # 300 generated - 17 cancelled - 10 inactive
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
T0_ISO = "2026-03-01T12:00:00.000Z"


# -- helpers -------------------------------------------------------------------------------

def raises(kind: type[ApiError], fn: Any, *args: Any, **kwargs: Any) -> ApiError:
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def sent(mock: Any, broadcast_id: int, to: str | None = None) -> list[Any]:
    return [m for m in mock.outbox.messages("convertkit", kind="broadcast", to=to)
            if m.meta.get("broadcast_id") == broadcast_id]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST it gets."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                outer.hits.append({"path": self.path, "method": self.command,
                                   "headers": {k.lower(): v for k, v in self.headers.items()},
                                   "body": json.loads(raw)})
                self.send_response(outer.status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self, path: str) -> list[Any]:
        return [h["body"] for h in self.hits if h["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def _receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def receiver(_receiver: Receiver) -> Receiver:
    _receiver.hits.clear()
    _receiver.status = 200
    return _receiver


@pytest.fixture
def ck(convertkit_mock: Any) -> Any:
    return convertkit_mock.client()


@pytest.fixture
def pub(convertkit_mock: Any) -> Any:
    return convertkit_mock.client(public=True)


# ==========================================================================================
# Broadcasts (§8)
# ==========================================================================================
def test_list_broadcasts(convertkit_mock: Any, ck: Any) -> None:
    listed = ck.list_broadcasts()
    assert convertkit_mock.last_status == 200
    assert list(listed) == ["broadcasts"]  # no page/total keys (§8)
    assert [(b["id"], b["subject"]) for b in listed["broadcasts"]] == [
        (1, "Welcome to the Acme newsletter"),
        (2, "Our spring launch, {{ subscriber.first_name | default: 'friend' }}")]
    assert all(set(b) == {"id", "created_at", "subject"} for b in listed["broadcasts"])
    assert [b["id"] for b in ck.list_broadcasts(sort_order="desc")["broadcasts"]] == [2, 1]
    assert ck.list_broadcasts(page=2) == {"broadcasts": []}


def test_broadcasts_page_50_at_a_time(convertkit_mock: Any, ck: Any) -> None:
    convertkit_mock.services.limiter.enabled = False
    for i in range(49):
        ck.create_broadcast(subject=f"Draft {i}")
    first = ck.list_broadcasts()["broadcasts"]
    assert len(first) == 50 and first[0]["id"] == 1 and first[-1]["id"] == 50
    assert [b["id"] for b in ck.list_broadcasts(page=2)["broadcasts"]] == [51]


def test_create_draft_broadcast_with_no_attributes(convertkit_mock: Any, ck: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    body = ck.create_broadcast()
    assert convertkit_mock.last_status == 201  # D-2
    assert body == {"broadcast": {
        "id": 3, "created_at": T0_ISO, "subject": None, "description": None, "content": None,
        "public": False, "published_at": None, "send_at": None, "thumbnail_alt": None,
        "thumbnail_url": None, "email_address": "owner@acme.test",
        "email_layout_template": "Text Only"}}
    assert ck.get_broadcast(3) == body
    assert ck.get_broadcast_stats(3) == {"broadcast": {"id": 3, "stats": {
        "recipients": 0, "open_rate": 0.0, "click_rate": 0.0, "unsubscribes": 0,
        "total_clicks": 0, "show_total_clicks": False, "status": "draft", "progress": 0.0}}}


def test_create_broadcast_with_every_attribute(convertkit_mock: Any, ck: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    b = ck.create_broadcast(subject="Hello", content="<p>Hi</p>", description="internal",
                            email_address="news@acme.test", email_layout_template="Modern",
                            public=True, published_at="2030-01-01 08:00:00",
                            send_at="2030-01-01 09:00:00", thumbnail_alt="A thumb",
                            thumbnail_url="https://acme.test/t.png")["broadcast"]
    assert b == {"id": 3, "created_at": T0_ISO, "subject": "Hello", "content": "<p>Hi</p>",
                 "description": "internal", "public": True,
                 "published_at": "2030-01-01T08:00:00.000Z",  # naive times are UTC (§8)
                 "send_at": "2030-01-01T09:00:00.000Z", "thumbnail_alt": "A thumb",
                 "thumbnail_url": "https://acme.test/t.png", "email_address": "news@acme.test",
                 "email_layout_template": "Modern"}
    stats = ck.get_broadcast_stats(3)["broadcast"]["stats"]
    assert (stats["status"], stats["recipients"]) == ("scheduled", 0)
    zoned = ck.create_broadcast(send_at="2030-01-01T10:00:00+01:00")["broadcast"]
    assert zoned["send_at"] == "2030-01-01T09:00:00.000Z"


def test_update_broadcast_changes_only_what_is_sent(convertkit_mock: Any, ck: Any) -> None:
    before = ck.get_broadcast(1)["broadcast"]
    after = ck.update_broadcast(1, subject="New subject", public=True)["broadcast"]
    assert convertkit_mock.last_status == 200
    assert after == {**before, "subject": "New subject", "public": True}
    assert ck.get_broadcast(1) == {"broadcast": after}
    assert ck.list_broadcasts()["broadcasts"][0]["subject"] == "New subject"


def test_delete_broadcast(convertkit_mock: Any, ck: Any) -> None:
    assert ck.delete_broadcast(1) is None
    assert convertkit_mock.last_status == 204  # D-2
    assert [b["id"] for b in ck.list_broadcasts()["broadcasts"]] == [2]
    err = raises(NotFound, ck.get_broadcast, 1)
    assert (err.status, err.body) == (404, NOT_FOUND)


@pytest.mark.parametrize("op,args", [("get_broadcast", ()), ("get_broadcast_stats", ()),
                                     ("update_broadcast", ()), ("delete_broadcast", ())])
def test_unknown_broadcast_is_404(ck: Any, op: str, args: tuple[Any, ...]) -> None:
    kwargs = {"subject": "x"} if op == "update_broadcast" else {}
    err = raises(NotFound, getattr(ck, op), 999, *args, **kwargs)
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert len(ck.list_broadcasts()["broadcasts"]) == 2


def test_broadcast_with_invalid_liquid_is_422_and_nothing_changes(convertkit_mock: Any,
                                                                   ck: Any) -> None:
    err = raises(InvalidRequest, ck.create_broadcast, subject="x",
                 content="<p>Hi {{ subscriber.first_name </p>")
    assert err.status == 422 and err.body["error"] == "Unprocessable Entity"
    assert err.body["message"].startswith("Content is not valid Liquid")
    assert len(ck.list_broadcasts()["broadcasts"]) == 2
    before = ck.get_broadcast(1)
    err = raises(InvalidRequest, ck.update_broadcast, 1, subject="changed",
                 content="{% if %}")
    assert err.status == 422
    assert ck.get_broadcast(1) == before


@pytest.mark.parametrize("attrs,word", [
    ({"send_at": "next tuesday"}, "send_at"), ({"send_at": "2030-01-01"}, "send_at"),
    ({"published_at": "2030-13-01 00:00:00"}, "published_at"), ({"public": "yes"}, "public"),
    ({"subject": 5}, "subject"), ({"content": ["a"]}, "content")])
def test_broadcast_wrong_types_are_422(convertkit_mock: Any, ck: Any, attrs: dict[str, Any],
                                       word: str) -> None:
    r = convertkit_mock.http.post("/v3/broadcasts",
                                  json={"api_secret": convertkit_mock.api_secret, **attrs})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and word in r.json()["message"]
    r = convertkit_mock.http.put("/v3/broadcasts/1",
                                 json={"api_secret": convertkit_mock.api_secret, **attrs})
    assert r.status_code == 422
    assert len(ck.list_broadcasts()["broadcasts"]) == 2
    assert ck.get_broadcast(1)["broadcast"]["send_at"] is None


def test_broadcasts_need_the_secret(convertkit_mock: Any) -> None:
    for method, path in (("GET", "/v3/broadcasts"), ("GET", "/v3/broadcasts/1"),
                         ("GET", "/v3/broadcasts/1/stats"), ("DELETE", "/v3/broadcasts/1")):
        r = convertkit_mock.http.request(method, path, params={"api_key": convertkit_mock.api_key})
        assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    r = convertkit_mock.http.post("/v3/broadcasts", json={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    assert len(convertkit_mock.account.broadcasts) == 2


def test_scheduled_broadcast_goes_out_personalised_when_the_clock_passes(
        convertkit_mock: Any, ck: Any) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    ck.add_subscriber_to_form(3001, "ned@example.com", first_name="Ned",
                              fields={"last_name": "Stark", "company": "Winterfell"})
    ck.tag_subscriber(1, "cat@example.com", fields={"last_name": "Tully"})
    gone = ck.get_subscriber(10)["subscriber"]["email_address"]
    ck.unsubscribe_subscriber(gone)
    inactive = ck.get_subscriber(29)["subscriber"]["email_address"]
    cancelled = ck.get_subscriber(17)["subscriber"]["email_address"]
    bid = ck.create_broadcast(
        subject="News for {{ subscriber.first_name | default: 'friend' }}",
        content=("<p>Hi {{ subscriber.first_name | default: 'there' }} "
                 "{{ subscriber.last_name }}</p>"
                 "{% if subscriber.company %}<p>Your team at {{ subscriber.company }}</p>"
                 "{% endif %}"),
        send_at="2026-03-01 13:00:00")["broadcast"]["id"]
    mock.drain()
    mock.clock.advance(3599)
    assert sent(mock, bid) == []
    assert ck.get_broadcast_stats(bid)["broadcast"]["stats"]["status"] == "scheduled"
    mock.clock.advance(1)
    out = sent(mock, bid)
    assert len(out) == ACTIVE - 1 + 2  # every active subscriber, once
    assert len({m.to for m in out}) == len(out)
    ned = sent(mock, bid, "ned@example.com")
    assert len(ned) == 1
    assert (ned[0].subject, ned[0].sender, ned[0].channel) == (
        "News for Ned", "owner@acme.test", "email")
    assert ned[0].html == "<p>Hi Ned Stark</p><p>Your team at Winterfell</p>"
    assert ned[0].text == "Hi Ned Stark\nYour team at Winterfell"
    assert ned[0].data["subscriber"]["company"] == "Winterfell"
    cat = sent(mock, bid, "cat@example.com")
    assert (cat[0].subject, cat[0].html) == ("News for friend", "<p>Hi there Tully</p>")
    for nobody in (gone, inactive, cancelled):
        assert sent(mock, bid, nobody) == []
    stats = ck.get_broadcast_stats(bid)["broadcast"]["stats"]
    assert (stats["recipients"], stats["status"], stats["progress"]) == (
        ACTIVE + 1, "completed", 100.0)
    # sent: it can no longer be changed or deleted, and it stays readable (assumption N)
    before = ck.get_broadcast(bid)
    err = raises(InvalidRequest, ck.update_broadcast, bid, subject="Too late")
    assert (err.status, err.body) == (422, ALREADY_SENT)
    err = raises(InvalidRequest, ck.delete_broadcast, bid)
    assert (err.status, err.body) == (422, ALREADY_SENT)
    assert ck.get_broadcast(bid) == before
    mock.clock.advance(86400)
    assert len(sent(mock, bid)) == ACTIVE + 1  # sent once only


def test_fixture_broadcast_goes_out_a_week_after_start(convertkit_mock: Any, ck: Any) -> None:
    mock = convertkit_mock
    mock.clock.freeze()
    first = ck.get_subscriber(1)["subscriber"]
    mock.clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert sent(mock, 2) == []
    mock.clock.advance(1)
    assert len(sent(mock, 2)) == ACTIVE
    assert sent(mock, 1) == []  # the draft never goes
    msg = sent(mock, 2, first["email_address"])[0]
    f = first["fields"]
    team = (f"Your team at {f['company']} gets early access." if f["company"]
            else "You get early access.")
    assert msg.subject == f"Our spring launch, {first['first_name']}"
    assert msg.html == (f"<p>Hello {first['first_name']} {f['last_name'] or ''},</p>"
                        f"<p>{team}</p>")


def test_rescheduling_and_unscheduling_a_broadcast(convertkit_mock: Any, ck: Any) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    bid = ck.create_broadcast(subject="S", content="C", send_at="2026-03-01 13:00:00"
                              )["broadcast"]["id"]
    moved = ck.update_broadcast(bid, send_at="2026-03-01 15:00:00")["broadcast"]
    assert moved["send_at"] == "2026-03-01T15:00:00.000Z"
    mock.clock.advance(2 * 3600)
    assert sent(mock, bid) == []  # not at the old time
    r = mock.http.put(f"/v3/broadcasts/{bid}",
                      json={"api_secret": mock.api_secret, "send_at": None})
    assert r.status_code == 200 and r.json()["broadcast"]["send_at"] is None
    assert ck.get_broadcast_stats(bid)["broadcast"]["stats"]["status"] == "draft"
    mock.clock.advance(3 * 3600)
    assert sent(mock, bid) == []
    ck.update_broadcast(bid, send_at="2026-03-01 18:00:00")
    mock.clock.advance(3600)
    assert len(sent(mock, bid)) == ACTIVE


def test_deleted_scheduled_broadcast_is_never_sent(convertkit_mock: Any, ck: Any) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    bid = ck.create_broadcast(subject="S", content="C", send_at="2026-03-01 13:00:00"
                              )["broadcast"]["id"]
    assert ck.delete_broadcast(bid) is None
    mock.clock.advance(86400)
    assert sent(mock, bid) == []


def test_broadcast_in_the_past_goes_out_at_once(convertkit_mock: Any, ck: Any) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    bid = ck.create_broadcast(subject="Now", content="Hi", public=True,
                              send_at="2020-01-01 00:00:00")["broadcast"]["id"]
    mock.drain()
    assert len(sent(mock, bid)) == ACTIVE
    b = ck.get_broadcast(bid)["broadcast"]
    assert b["published_at"] == T0_ISO  # a public post is published when it goes out


# ==========================================================================================
# Purchases (§10)
# ==========================================================================================
def test_list_and_get_purchases(convertkit_mock: Any, ck: Any) -> None:
    page = ck.list_purchases()
    assert convertkit_mock.last_status == 200
    assert (page["total_purchases"], page["page"], page["total_pages"]) == (3, 1, 1)
    assert [(p["id"], p["transaction_id"], p["currency"], p["total"])
            for p in page["purchases"]] == [
        (1, "ord-1001", "EUR", 19.0), (2, "ord-1002", "USD", 57.5), (3, "ord-1003", "GBP", 120.0)]
    second = ck.get_purchase(2)
    assert second == page["purchases"][1]  # unwrapped (§10)
    assert second["transaction_time"] == "2025-03-02T12:30:00Z"
    assert second["products"] == [
        {"unit_price": 49.0, "quantity": 1, "sku": "KIT-P", "name": "Pro kit"},
        {"unit_price": 3.0, "quantity": 2, "sku": None, "name": "Sticker pack"}]
    assert second["email_address"] == ck.get_subscriber(2)["subscriber"]["email_address"]
    assert ck.list_purchases(page=2) == {"total_purchases": 3, "page": 2, "total_pages": 1,
                                         "purchases": []}


def test_get_unknown_purchase_is_404(ck: Any) -> None:
    err = raises(NotFound, ck.get_purchase, 99)
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_purchases_need_the_secret(convertkit_mock: Any) -> None:
    http, key = convertkit_mock.http, convertkit_mock.api_key
    for path in ("/v3/purchases", "/v3/purchases/1"):
        r = http.get(path, params={"api_key": key})
        assert (r.status_code, r.json()) == (401, NO_PERMISSION)  # §10
    r = http.post("/v3/purchases", json={"api_key": key, "purchase": {}})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)


def test_create_purchase_normalises_and_creates_the_subscriber(convertkit_mock: Any,
                                                              ck: Any) -> None:
    body = ck.create_purchase({
        "transaction_id": "123-abcd-456-efgh", "email_address": "crashoverride@hackers.com",
        "first_name": "Dade", "currency": "jpy", "transaction_time": "2018-03-17 11:28:04",
        "subtotal": 20.0, "tax": 2, "shipping": 2.0, "discount": 3.0, "total": 21.0,
        "status": "paid",
        "products": [{"pid": 9999, "lid": 7777, "name": "Floppy Disk (512k)",
                      "sku": "7890-ijkl", "unit_price": 5.0, "quantity": 2}]})
    assert convertkit_mock.last_status == 201  # D-2
    assert body == {"id": 4, "transaction_id": "123-abcd-456-efgh", "status": "paid",
                    "email_address": "crashoverride@hackers.com", "currency": "JPY",
                    "transaction_time": "2018-03-17T11:28:04Z", "subtotal": 20.0,
                    "shipping": 2.0, "discount": 3.0, "tax": 2.0, "total": 21.0,
                    "products": [{"unit_price": 5.0, "quantity": 2, "sku": "7890-ijkl",
                                  "name": "Floppy Disk (512k)"}]}
    assert ck.get_purchase(4) == body
    assert ck.list_purchases()["total_purchases"] == 4
    found = ck.list_subscribers(email_address="crashoverride@hackers.com")["subscribers"]
    assert [(s["first_name"], s["state"]) for s in found] == [("Dade", "active")]  # D-11


def test_create_purchase_minimal_leaves_unsent_money_null(convertkit_mock: Any,
                                                          ck: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    body = ck.create_purchase({"transaction_id": "t-1", "email_address": "a@example.com",
                               "currency": "usd",
                               "products": [{"pid": "p1", "lid": "l1", "name": "Mug",
                                             "unit_price": 9.5, "quantity": 1}]})
    assert body["transaction_time"] == "2026-03-01T12:00:00Z"  # defaults to now
    assert (body["status"], body["currency"]) == ("paid", "USD")
    assert [body[k] for k in ("subtotal", "shipping", "discount", "tax", "total")] == [None] * 5
    assert body["products"] == [{"unit_price": 9.5, "quantity": 1, "sku": None, "name": "Mug"}]


def test_purchase_with_existing_transaction_id_updates_it(ck: Any) -> None:
    existing = ck.get_purchase(1)
    body = ck.create_purchase({"transaction_id": "ord-1001",
                               "email_address": existing["email_address"], "currency": "eur",
                               "total": 38.0,
                               "products": [{"pid": 11, "lid": 1, "name": "Starter kit",
                                             "unit_price": 19.0, "quantity": 2}]})
    assert body["id"] == 1  # D-11
    assert ck.get_purchase(1)["total"] == 38.0
    assert ck.get_purchase(1)["products"][0]["quantity"] == 2
    assert ck.list_purchases()["total_purchases"] == 3


@pytest.mark.parametrize("purchase,message", [
    ({"transaction_id": "", "email_address": "a@b.co", "currency": "usd",
      "products": [{"name": "Floppy Disk (512k)", "unit_price": 5, "quantity": 2, "pid": 1}]},
     "transaction_id can't be blank, Lid can't be blank for product: Floppy Disk (512k)"),
    ({"transaction_id": "t", "currency": "usd", "products": []},
     "email_address can't be blank, products can't be blank"),
    ({"transaction_id": "t", "email_address": "a@b.co",
      "products": [{"name": "Pen", "pid": 1, "lid": 1}]},
     "currency can't be blank, Unit price can't be blank for product: Pen, "
     "Quantity can't be blank for product: Pen"),
    ({}, "transaction_id can't be blank, email_address can't be blank, currency can't be "
         "blank, products can't be blank")])
def test_create_purchase_missing_parameters_is_400(ck: Any, purchase: dict[str, Any],
                                                   message: str) -> None:
    err = raises(InvalidRequest, ck.create_purchase, purchase)
    assert (err.status, err.body) == (400, {"error": MISSING_PARAMS, "message": message})
    assert ck.list_purchases()["total_purchases"] == 3
    assert ck.list_subscribers(email_address="a@b.co")["total_subscribers"] == 0


@pytest.mark.parametrize("body,word", [
    ({}, "purchase"), ({"purchase": "ord-1"}, "purchase"),
    ({"purchase": {"transaction_id": "t", "email_address": "a@b.co", "currency": "dollars",
                   "products": [{"name": "P", "pid": 1, "lid": 1, "unit_price": 1,
                                 "quantity": 1}]}}, "currency"),
    ({"purchase": {"transaction_id": "t", "email_address": "a@b.co", "currency": "usd",
                   "status": "refunded", "products": [{"name": "P", "pid": 1, "lid": 1,
                                                       "unit_price": 1, "quantity": 1}]}},
     "status"),
    ({"purchase": {"transaction_id": "t", "email_address": "a@b.co", "currency": "usd",
                   "products": [{"name": "P", "pid": 1, "lid": 1, "unit_price": "cheap",
                                 "quantity": 1}]}}, "unit_price")])
def test_create_purchase_wrong_shape_is_422(convertkit_mock: Any, ck: Any,
                                            body: dict[str, Any], word: str) -> None:
    r = convertkit_mock.http.post("/v3/purchases",
                                  json={"api_secret": convertkit_mock.api_secret, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and word in r.json()["message"]
    assert ck.list_purchases()["total_purchases"] == 3


# ==========================================================================================
# Automation hooks: the rules (§11)
# ==========================================================================================
EVENTS = [
    ({"name": "subscriber.subscriber_activate"}, {"name": "subscriber_activate"}),
    ({"name": "subscriber.subscriber_unsubscribe"}, {"name": "subscriber_unsubscribe"}),
    ({"name": "subscriber.form_subscribe", "form_id": 3001},
     {"name": "form_subscribe", "form_id": 3001}),
    ({"name": "subscriber.course_subscribe", "course_id": 4001},
     {"name": "course_subscribe", "course_id": 4001}),
    ({"name": "subscriber.course_subscribe", "sequence_id": 4002},
     {"name": "course_subscribe", "sequence_id": 4002}),
    ({"name": "subscriber.course_complete", "sequence_id": 4003},
     {"name": "course_complete", "sequence_id": 4003}),
    ({"name": "subscriber.link_click", "initiator_value": "https://acme.test/x"},
     {"name": "link_click", "initiator_value": "https://acme.test/x"}),
    ({"name": "subscriber.product_purchase", "product_id": 11},
     {"name": "product_purchase", "product_id": 11}),
    ({"name": "subscriber.tag_add", "tag_id": 1}, {"name": "tag_add", "tag_id": 1}),
    ({"name": "subscriber.tag_remove", "tag_id": 1}, {"name": "tag_remove", "tag_id": 1}),
    ({"name": "purchase.purchase_create"}, {"name": "purchase_create"}),
]


def test_create_list_and_delete_every_kind_of_rule(convertkit_mock: Any, ck: Any) -> None:
    made = []
    for n, (event, echo) in enumerate(EVENTS, 1):
        rule = ck.create_webhook(f"http://example.com/hook/{n}", event)
        assert convertkit_mock.last_status == 200  # D-2
        assert rule == {"rule": {"id": n, "account_id": 1001, "event": echo,
                                 "target_url": f"http://example.com/hook/{n}"}}
        made.append(rule["rule"])
    listed = ck.list_webhooks()
    assert listed == [{"rule": {**r, "status": "enabled",
                                "event": {"initiator_value": None, **r["event"]}}}
                      for r in made]
    assert ck.delete_webhook(3) == {"success": True}
    assert [r["rule"]["id"] for r in ck.list_webhooks()] == [
        n for n in range(1, len(EVENTS) + 1) if n != 3]
    err = raises(NotFound, ck.delete_webhook, 3)
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_delete_rule_with_secret_in_json_body(convertkit_mock: Any, ck: Any) -> None:
    rid = ck.create_webhook("http://example.com/h", EVENTS[0][0])["rule"]["id"]
    r = convertkit_mock.http.request("DELETE", f"/v3/automations/hooks/{rid}",
                                     json={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (200, {"success": True})
    assert ck.list_webhooks() == []


@pytest.mark.parametrize("body,word", [
    ({"target_url": "http://example.com/h"}, "event"),
    ({"event": {"name": "subscriber.subscriber_activate"}}, "target_url"),
    ({"target_url": "not a url", "event": {"name": "subscriber.subscriber_activate"}},
     "target_url"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.bounce"}}, "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber_activate"}}, "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.form_subscribe"}},
     "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.course_complete"}},
     "event"),
    ({"target_url": "http://example.com/h",
      "event": {"name": "subscriber.tag_add", "tag_id": "one"}}, "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.link_click"}},
     "event"),
    ({"target_url": "http://example.com/h", "event": "subscriber.subscriber_activate"},
     "event")])
def test_create_rule_bad_input_is_422(convertkit_mock: Any, ck: Any, body: dict[str, Any],
                                      word: str) -> None:
    r = convertkit_mock.http.post("/v3/automations/hooks",
                                  json={"api_secret": convertkit_mock.api_secret, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and word in r.json()["message"]
    assert ck.list_webhooks() == []


def test_rules_need_the_secret(convertkit_mock: Any, ck: Any) -> None:
    r = convertkit_mock.http.post("/v3/automations/hooks", json={
        "api_key": convertkit_mock.api_key, "target_url": "http://example.com/h",
        "event": {"name": "subscriber.subscriber_activate"}})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    r = convertkit_mock.http.get("/v3/automations/hooks",
                                 params={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    assert ck.list_webhooks() == []


# ==========================================================================================
# Automation hooks: deliveries to a real receiver (§11 payloads)
# ==========================================================================================
def hook(ck: Any, receiver: Receiver, path: str, event: dict[str, Any]) -> None:
    ck.create_webhook(f"{receiver.url}{path}", event)


@pytest.mark.slow
def test_subscriber_events_are_posted_after_drain(convertkit_mock: Any, ck: Any, pub: Any,
                                                 receiver: Receiver) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    hook(ck, receiver, "/activate", {"name": "subscriber.subscriber_activate"})
    hook(ck, receiver, "/form", {"name": "subscriber.form_subscribe", "form_id": 3001})
    hook(ck, receiver, "/course", {"name": "subscriber.course_subscribe", "course_id": 4001})
    hook(ck, receiver, "/seq", {"name": "subscriber.course_subscribe", "sequence_id": 4002})
    hook(ck, receiver, "/tag", {"name": "subscriber.tag_add", "tag_id": 4})
    sid = pub.add_subscriber_to_form(3001, "hooked@example.com", first_name="Hook",
                                     fields={"company": "Acme"})["subscription"]["subscriber"]["id"]
    pub.add_subscriber_to_form(3003, "hooked@example.com")  # another form: no form hook
    pub.add_subscriber_to_sequence(4001, "hooked@example.com")
    pub.add_subscriber_to_sequence(4002, "hooked@example.com")
    pub.add_subscriber_to_sequence(4003, "hooked@example.com")  # no hook for 4003
    pub.tag_subscriber(4, "hooked@example.com")
    pub.tag_subscriber(4, "hooked@example.com")  # already tagged: no second tag_add
    pub.tag_subscriber(2, "hooked@example.com")  # another tag: no hook
    assert receiver.hits == []  # nothing leaves inside the request
    mock.drain()
    payload = {"subscriber": {"id": sid, "first_name": "Hook",
                              "email_address": "hooked@example.com", "state": "active",
                              "created_at": T0_ISO,
                              "fields": {"last_name": None, "company": "Acme",
                                         "phone_number": None, "favourite_colour": None}}}
    for path in ("/activate", "/form", "/course", "/seq", "/tag"):
        assert receiver.bodies(path) == [payload], path
    assert len(receiver.hits) == 5
    first = receiver.hits[0]
    assert first["method"] == "POST"
    assert first["headers"]["content-type"] == "application/json"
    assert {d.state for d in mock.webhooks.deliveries("convertkit")} == {"delivered"}
    assert [a.status for d in mock.webhooks.deliveries() for a in d.attempts] == [200] * 5


@pytest.mark.slow
def test_tag_remove_and_unsubscribe_events(convertkit_mock: Any, ck: Any,
                                           receiver: Receiver) -> None:
    mock = convertkit_mock
    hook(ck, receiver, "/tag_remove", {"name": "subscriber.tag_remove", "tag_id": 3})
    hook(ck, receiver, "/unsub", {"name": "subscriber.subscriber_unsubscribe"})
    sid = ck.tag_subscriber(3, "a@example.com")["subscription"]["subscriber"]["id"]
    ck.tag_subscriber(3, "b@example.com")
    ck.tag_subscriber(5, "a@example.com")
    ck.remove_tag_from_subscriber(sid, 3)
    ck.remove_tag_from_subscriber(sid, 5)  # another tag: no hook
    ck.remove_tag_from_subscriber_by_email(3, "b@example.com")
    ck.remove_tag_from_subscriber_by_email(3, "b@example.com")  # gone already: no hook
    ck.unsubscribe_subscriber("a@example.com")
    mock.drain()
    removed = receiver.bodies("/tag_remove")
    assert [b["subscriber"]["email_address"] for b in removed] == ["a@example.com",
                                                                    "b@example.com"]
    unsub = receiver.bodies("/unsub")
    assert len(unsub) == 1
    assert unsub[0]["subscriber"]["id"] == sid
    assert unsub[0]["subscriber"]["state"] == "cancelled"
    assert list(unsub[0]["subscriber"]["fields"]) == FIELD_KEYS  # keyed by key (D-10)


@pytest.mark.slow
def test_purchase_events(convertkit_mock: Any, ck: Any, receiver: Receiver) -> None:
    mock = convertkit_mock
    hook(ck, receiver, "/purchase", {"name": "purchase.purchase_create"})
    hook(ck, receiver, "/product", {"name": "subscriber.product_purchase", "product_id": 77})
    hook(ck, receiver, "/activate", {"name": "subscriber.subscriber_activate"})
    made = ck.create_purchase({"transaction_id": "w-1", "email_address": "buyer@example.com",
                               "currency": "usd", "total": 12.0,
                               "products": [{"pid": 77, "lid": 1, "name": "Hat",
                                             "unit_price": 10.0, "quantity": 1},
                                            {"pid": 78, "lid": 2, "name": "Pin",
                                             "unit_price": 2.0, "quantity": 1}]})
    mock.drain()
    assert receiver.bodies("/purchase") == [made]  # the purchase itself, unwrapped
    product = receiver.bodies("/product")
    assert len(product) == 1  # only the product the rule names
    assert product[0]["subscriber"]["email_address"] == "buyer@example.com"
    assert receiver.bodies("/activate")[0]["subscriber"]["email_address"] == "buyer@example.com"


@pytest.mark.slow
def test_deleted_rule_delivers_nothing(convertkit_mock: Any, ck: Any,
                                       receiver: Receiver) -> None:
    rid = ck.create_webhook(f"{receiver.url}/gone",
                            {"name": "subscriber.tag_add", "tag_id": 1})["rule"]["id"]
    ck.delete_webhook(rid)
    ck.tag_subscriber(1, "late@example.com")
    convertkit_mock.drain()
    assert receiver.hits == []
    assert convertkit_mock.webhooks.deliveries() == []


@pytest.mark.slow
def test_target_answering_500_is_recorded_as_failed(convertkit_mock: Any, ck: Any,
                                                    receiver: Receiver) -> None:
    receiver.status = 500
    hook(ck, receiver, "/err", {"name": "subscriber.tag_add", "tag_id": 1})
    sub = ck.tag_subscriber(1, "e@example.com")["subscription"]
    assert convertkit_mock.last_status == 200
    convertkit_mock.drain()
    [delivery] = convertkit_mock.webhooks.deliveries("convertkit", "subscriber.tag_add")
    assert delivery.state == "failed"
    assert [(a.status, a.response) for a in delivery.attempts] == [(500, "ok")]  # no retries
    assert len(receiver.hits) == 1
    assert ck.get_subscriber(sub["subscriber"]["id"])["subscriber"]["state"] == "active"


def test_target_that_is_down_never_breaks_the_request(convertkit_mock: Any, ck: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}/down"
    ck.create_webhook(url, {"name": "subscriber.subscriber_activate"})
    ck.create_webhook(url, {"name": "subscriber.form_subscribe", "form_id": 3001})
    sub = ck.add_subscriber_to_form(3001, "down@example.com")["subscription"]
    assert convertkit_mock.last_status == 200
    assert sub["state"] == "active"
    convertkit_mock.drain()
    deliveries = convertkit_mock.webhooks.deliveries("convertkit")
    assert sorted(d.event for d in deliveries) == ["subscriber.form_subscribe",
                                                   "subscriber.subscriber_activate"]
    for d in deliveries:
        assert d.state == "failed" and d.url == url
        [attempt] = d.attempts
        assert attempt.status is None and "Connect" in (attempt.error or "")
    assert ck.get_subscriber(sub["subscriber"]["id"])["subscriber"]["email_address"] == (
        "down@example.com")
    assert not [j for j in convertkit_mock.jobs.pending() if j.name.startswith("webhook:")]


# ==========================================================================================
# Double opt-in (§4, §16)
# ==========================================================================================
@pytest.mark.slow
def test_double_opt_in_round_trip(convertkit_mock: Any, ck: Any, pub: Any,
                                  receiver: Receiver) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    hook(ck, receiver, "/activate", {"name": "subscriber.subscriber_activate"})
    sub = pub.add_subscriber_to_form(3002, "dany@example.com", first_name="Daenerys",
                                     fields={"last_name": "Targaryen"})["subscription"]
    sid = sub["subscriber"]["id"]
    assert (sub["state"], sub["subscribable_id"], sub["subscriber"]) == (
        "inactive", 3002, {"id": sid})
    assert ck.get_subscriber(sid)["subscriber"]["state"] == "inactive"
    # D-7: inactive subscribers are in the default listing
    assert ck.list_subscribers(email_address="dany@example.com")["subscribers"][0][
        "state"] == "inactive"
    mock.drain()
    assert receiver.bodies("/activate") == []  # not active yet

    [mail] = mock.outbox.messages("convertkit", kind="confirmation", to="dany@example.com")
    link = mail.meta["confirmation_url"]
    assert mail.subject == "Confirm your copy of the ebook, Daenerys"
    assert mail.sender == "owner@acme.test"
    assert mail.meta["form_id"] == 3002
    assert mail.html == ("<p>Hi Daenerys,</p><p>One click and the ebook is yours:</p>"
                         f'<p><a href="{link}">Yes, send it</a></p>')

    r = mock.http.get(link)
    assert r.status_code == 200
    assert "Subscription confirmed" in r.text and "dany@example.com" in r.text
    assert ck.get_subscriber(sid)["subscriber"]["state"] == "active"
    listed = ck.list_form_subscriptions(3002, sort_order="desc")["subscriptions"][0]
    assert (listed["id"], listed["state"], listed["subscriber"]["id"]) == (sub["id"], "active",
                                                                          sid)
    mock.drain()
    [activated] = receiver.bodies("/activate")
    assert activated == {"subscriber": {
        "id": sid, "first_name": "Daenerys", "email_address": "dany@example.com",
        "state": "active", "created_at": T0_ISO,
        "fields": {"last_name": "Targaryen", "company": None, "phone_number": None,
                   "favourite_colour": None}}}
    # the link works once
    again = mock.http.get(link)
    assert again.status_code == 404 and "not valid" in again.text
    assert len(mock.outbox.messages("convertkit", kind="confirmation")) == 1


def test_double_opt_in_form_keeps_unconfirmed_subscribers_out_of_active_lists(
        convertkit_mock: Any, ck: Any, pub: Any) -> None:
    before = ck.list_form_subscriptions(3002)["total_subscriptions"]
    pub.add_subscriber_to_form(3002, "wait@example.com")
    assert ck.list_form_subscriptions(3002)["total_subscriptions"] == before
    # subscribing again before confirming sends the same link again
    pub.add_subscriber_to_form(3002, "wait@example.com")
    mails = convertkit_mock.outbox.messages("convertkit", kind="confirmation",
                                            to="wait@example.com")
    assert len(mails) == 2
    assert mails[0].meta["confirmation_url"] == mails[1].meta["confirmation_url"]


def test_double_opt_in_for_a_cancelled_subscriber(convertkit_mock: Any, ck: Any,
                                                  pub: Any) -> None:
    email = ck.get_subscriber(34)["subscriber"]["email_address"]
    sub = pub.add_subscriber_to_form(3002, email)["subscription"]
    assert sub["state"] == "inactive"
    assert ck.get_subscriber(34)["subscriber"]["state"] == "inactive"  # D-6
    [mail] = convertkit_mock.outbox.messages("convertkit", kind="confirmation", to=email)
    assert convertkit_mock.http.get(mail.meta["confirmation_url"]).status_code == 200
    assert ck.get_subscriber(34)["subscriber"]["state"] == "active"


def test_plain_form_sends_no_confirmation(convertkit_mock: Any, pub: Any) -> None:
    pub.add_subscriber_to_form(3001, "plain@example.com")
    assert convertkit_mock.outbox.messages("convertkit", kind="confirmation") == []


def test_unknown_confirmation_link_is_404(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.get("/confirm/not-a-token")
    assert r.status_code == 404 and "not valid" in r.text


# ==========================================================================================
# Subscriber update with many custom fields (§7: 200 / 202 / 400)
# ==========================================================================================
@pytest.fixture
def many_fields(ck: Any) -> list[str]:
    made = ck.create_custom_fields([f"Extra {n}" for n in range(1, 16)])
    return [f["key"] for f in made]


def test_update_with_10_fields_is_200_and_immediate(convertkit_mock: Any, ck: Any,
                                                    many_fields: list[str]) -> None:
    values = {k: f"v-{k}" for k in many_fields[:10]}
    body = ck.update_subscriber(1, first_name="Ten", fields=values)
    assert convertkit_mock.last_status == 200
    s = ck.get_subscriber(1)["subscriber"]
    assert body == {"subscriber": s}
    assert s["first_name"] == "Ten"
    assert all(s["fields"][k] == v for k, v in values.items())


def test_update_with_11_fields_is_202_and_applied_after_drain(convertkit_mock: Any, ck: Any,
                                                              many_fields: list[str]) -> None:
    old = ck.get_subscriber(1)["subscriber"]
    values = {k: f"v-{k}" for k in many_fields[:11]}
    body = ck.update_subscriber(1, first_name="Eleven", fields=values)
    assert convertkit_mock.last_status == 202
    expected = {**old, "first_name": "Eleven", "fields": {**old["fields"], **values}}
    assert body == {"subscriber": expected}  # the body shows the result ...
    assert ck.get_subscriber(1)["subscriber"] == old  # ... which is not applied yet
    assert convertkit_mock.drain() >= 1
    assert ck.get_subscriber(1)["subscriber"] == expected


def test_update_with_125_fields_is_still_202(convertkit_mock: Any, ck: Any,
                                             many_fields: list[str]) -> None:
    values = {k: "x" for k in many_fields} | {f"unknown_{n}": "y" for n in range(110)}
    assert len(values) == 125
    body = ck.update_subscriber(2, fields=values)
    assert convertkit_mock.last_status == 202
    assert all(body["subscriber"]["fields"][k] == "x" for k in many_fields)
    assert not any(k.startswith("unknown_") for k in body["subscriber"]["fields"])
    convertkit_mock.drain()
    assert ck.get_subscriber(2)["subscriber"]["fields"] == body["subscriber"]["fields"]


def test_update_with_more_than_125_fields_is_400_and_changes_nothing(
        convertkit_mock: Any, ck: Any, many_fields: list[str]) -> None:
    old = ck.get_subscriber(3)
    values = {k: "x" for k in many_fields} | {f"unknown_{n}": "y" for n in range(111)}
    assert len(values) == 126
    err = raises(InvalidRequest, ck.update_subscriber, 3, first_name="Nope", fields=values)
    assert (err.status, err.body) == (400, TOO_MANY_FIELDS)
    convertkit_mock.drain()
    assert ck.get_subscriber(3) == old
