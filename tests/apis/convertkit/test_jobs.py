"""What ConvertKit does after answering (jobs.py): scheduled broadcasts rendered with Liquid
into the outbox (§8), automation-hook deliveries to a real local receiver (§11 payloads), and
the asynchronous (202) subscriber update (§7). Nothing leaves until the clock passes or
`convertkit_mock.drain()` runs. References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md.
"""
from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from support import Receiver, raises

from mailmocks.clients.base import InvalidRequest
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.core import Message
from mailmocks.testing.convertkit import Mock as ConvertKitMock

ALREADY_SENT = {"error": "Unprocessable Entity", "message": "Broadcast has already been sent"}
TOO_MANY_FIELDS = {"error": "Bad Request",
                   "message": "Too many custom fields: at most 125 can be updated in one request"}
FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]
ACTIVE = 273  # 300 generated - 17 cancelled - 10 inactive
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
T0_ISO = "2026-03-01T12:00:00.000Z"


def sent(mock: ConvertKitMock, broadcast_id: int, to: str | None = None) -> list[Message]:
    return [m for m in mock.outbox.messages("convertkit", kind="broadcast", to=to)
            if m.meta.get("broadcast_id") == broadcast_id]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


# ==========================================================================================
# Scheduled broadcasts (§8)
# ==========================================================================================
def test_scheduled_broadcast_goes_out_personalised_when_the_clock_passes(
        convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
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


def test_fixture_broadcast_goes_out_a_week_after_start(convertkit_mock: ConvertKitMock,
                                                       ck: ConvertKit) -> None:
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


def test_rescheduling_and_unscheduling_a_broadcast(convertkit_mock: ConvertKitMock,
                                                   ck: ConvertKit) -> None:
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


def test_deleted_scheduled_broadcast_is_never_sent(convertkit_mock: ConvertKitMock,
                                                   ck: ConvertKit) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    bid = ck.create_broadcast(subject="S", content="C", send_at="2026-03-01 13:00:00"
                              )["broadcast"]["id"]
    assert ck.delete_broadcast(bid) is None
    mock.clock.advance(86400)
    assert sent(mock, bid) == []


def test_broadcast_in_the_past_goes_out_at_once(convertkit_mock: ConvertKitMock,
                                                ck: ConvertKit) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    bid = ck.create_broadcast(subject="Now", content="Hi", public=True,
                              send_at="2020-01-01 00:00:00")["broadcast"]["id"]
    mock.drain()
    assert len(sent(mock, bid)) == ACTIVE
    b = ck.get_broadcast(bid)["broadcast"]
    assert b["published_at"] == T0_ISO  # a public post is published when it goes out


# ==========================================================================================
# Automation hooks: deliveries to a real receiver (§11 payloads)
# ==========================================================================================
def hook(ck: ConvertKit, receiver: Receiver, path: str, event: dict[str, Any]) -> None:
    ck.create_webhook(f"{receiver.url}{path}", event)


@pytest.mark.slow
def test_subscriber_events_are_posted_after_drain(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                                  pub: ConvertKit, receiver: Receiver) -> None:
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
def test_tag_remove_and_unsubscribe_events(convertkit_mock: ConvertKitMock, ck: ConvertKit,
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
def test_purchase_events(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                         receiver: Receiver) -> None:
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
def test_deleted_rule_delivers_nothing(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                       receiver: Receiver) -> None:
    rid = ck.create_webhook(f"{receiver.url}/gone",
                            {"name": "subscriber.tag_add", "tag_id": 1})["rule"]["id"]
    ck.delete_webhook(rid)
    ck.tag_subscriber(1, "late@example.com")
    convertkit_mock.drain()
    assert receiver.hits == []
    assert convertkit_mock.webhooks.deliveries() == []


@pytest.mark.slow
def test_target_answering_500_is_recorded_as_failed(convertkit_mock: ConvertKitMock, ck: ConvertKit,
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


def test_target_that_is_down_never_breaks_the_request(convertkit_mock: ConvertKitMock,
                                                      ck: ConvertKit) -> None:
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
# Subscriber update with many custom fields (§7: 200 / 202 / 400, assumption C)
# ==========================================================================================
@pytest.fixture
def many_fields(ck: ConvertKit) -> list[str]:
    made = ck.create_custom_fields([f"Extra {n}" for n in range(1, 16)])
    return [f["key"] for f in made]


def test_update_with_10_fields_is_200_and_immediate(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                                    many_fields: list[str]) -> None:
    values = {k: f"v-{k}" for k in many_fields[:10]}
    body = ck.update_subscriber(1, first_name="Ten", fields=values)
    assert convertkit_mock.last_status == 200
    s = ck.get_subscriber(1)["subscriber"]
    assert body == {"subscriber": s}
    assert s["first_name"] == "Ten"
    assert all(s["fields"][k] == v for k, v in values.items())


def test_update_with_11_fields_is_202_and_applied_after_drain(convertkit_mock: ConvertKitMock,
                                                              ck: ConvertKit,
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


def test_update_with_125_fields_is_still_202(convertkit_mock: ConvertKitMock, ck: ConvertKit,
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
        convertkit_mock: ConvertKitMock, ck: ConvertKit, many_fields: list[str]) -> None:
    old = ck.get_subscriber(3)
    values = {k: "x" for k in many_fields} | {f"unknown_{n}": "y" for n in range(111)}
    assert len(values) == 126
    err = raises(InvalidRequest, ck.update_subscriber, 3, first_name="Nope", fields=values)
    assert (err.status, err.body) == (400, TOO_MANY_FIELDS)
    convertkit_mock.drain()
    assert ck.get_subscriber(3) == old
