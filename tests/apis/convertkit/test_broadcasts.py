"""ConvertKit broadcasts: the records (§8, D-2); their sending is in test_jobs.py.
References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
T0_ISO = "2026-03-01T12:00:00.000Z"


def test_list_broadcasts(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    listed = ck.list_broadcasts()
    assert convertkit_mock.last_status == 200
    assert list(listed) == ["broadcasts"]  # no page/total keys (§8)
    assert [(b["id"], b["subject"]) for b in listed["broadcasts"]] == [
        (1, "Welcome to the Acme newsletter"),
        (2, "Our spring launch, {{ subscriber.first_name | default: 'friend' }}")]
    assert all(set(b) == {"id", "created_at", "subject"} for b in listed["broadcasts"])
    assert [b["id"] for b in ck.list_broadcasts(sort_order="desc")["broadcasts"]] == [2, 1]
    assert ck.list_broadcasts(page=2) == {"broadcasts": []}


def test_broadcasts_page_50_at_a_time(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    convertkit_mock.services.limiter.enabled = False
    for i in range(49):
        ck.create_broadcast(subject=f"Draft {i}")
    first = ck.list_broadcasts()["broadcasts"]
    assert len(first) == 50 and first[0]["id"] == 1 and first[-1]["id"] == 50
    assert [b["id"] for b in ck.list_broadcasts(page=2)["broadcasts"]] == [51]


def test_create_draft_broadcast_with_no_attributes(convertkit_mock: ConvertKitMock,
                                                   ck: ConvertKit) -> None:
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


def test_create_broadcast_with_every_attribute(convertkit_mock: ConvertKitMock,
                                               ck: ConvertKit) -> None:
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


def test_update_broadcast_changes_only_what_is_sent(convertkit_mock: ConvertKitMock,
                                                    ck: ConvertKit) -> None:
    before = ck.get_broadcast(1)["broadcast"]
    after = ck.update_broadcast(1, subject="New subject", public=True)["broadcast"]
    assert convertkit_mock.last_status == 200
    assert after == {**before, "subject": "New subject", "public": True}
    assert ck.get_broadcast(1) == {"broadcast": after}
    assert ck.list_broadcasts()["broadcasts"][0]["subject"] == "New subject"


def test_delete_broadcast(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    assert ck.delete_broadcast(1) is None
    assert convertkit_mock.last_status == 204  # D-2
    assert [b["id"] for b in ck.list_broadcasts()["broadcasts"]] == [2]
    err = raises(NotFound, ck.get_broadcast, 1)
    assert (err.status, err.body) == (404, NOT_FOUND)


@pytest.mark.parametrize("op,args", [("get_broadcast", ()), ("get_broadcast_stats", ()),
                                     ("update_broadcast", ()), ("delete_broadcast", ())])
def test_unknown_broadcast_is_404(ck: ConvertKit, op: str, args: tuple[Any, ...]) -> None:
    kwargs = {"subject": "x"} if op == "update_broadcast" else {}
    err = raises(NotFound, getattr(ck, op), 999, *args, **kwargs)
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert len(ck.list_broadcasts()["broadcasts"]) == 2


def test_broadcast_with_invalid_liquid_is_422_and_nothing_changes(convertkit_mock: ConvertKitMock,
                                                                   ck: ConvertKit) -> None:
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
    ({"send_at": "next tuesday"}, "send_at"), ({"send_at": "2030-01-01 25:00"}, "send_at"),
    ({"published_at": "2030-13-01 00:00:00"}, "published_at"), ({"public": ["yes"]}, "public"),
    ({"subject": 5}, "subject"), ({"content": ["a"]}, "content")])
def test_broadcast_wrong_types_are_422(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                       attrs: dict[str, Any], word: str) -> None:
    r = convertkit_mock.http.post("/v3/broadcasts",
                                  json={"api_secret": convertkit_mock.api_secret, **attrs})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and word in r.json()["message"]
    r = convertkit_mock.http.put("/v3/broadcasts/1",
                                 json={"api_secret": convertkit_mock.api_secret, **attrs})
    assert r.status_code == 422
    assert len(ck.list_broadcasts()["broadcasts"]) == 2
    assert ck.get_broadcast(1)["broadcast"]["send_at"] is None


def test_broadcasts_need_the_secret(convertkit_mock: ConvertKitMock) -> None:
    for method, path in (("GET", "/v3/broadcasts"), ("GET", "/v3/broadcasts/1"),
                         ("GET", "/v3/broadcasts/1/stats"), ("DELETE", "/v3/broadcasts/1")):
        r = convertkit_mock.http.request(method, path, params={"api_key": convertkit_mock.api_key})
        assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    r = convertkit_mock.http.post("/v3/broadcasts", json={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    assert len(convertkit_mock.account.broadcasts) == 2
