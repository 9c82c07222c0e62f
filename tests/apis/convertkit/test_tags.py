"""ConvertKit tags: listing, creating one or many, tagging by email, removing (§6, §16, D-2,
D-3). References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
MISSING_EMAIL = {"error": "Missing parameter", "message": "Subscriber email is required"}
TAG_NOT_FOUND = {"error": "Tag not found", "message": ""}
NAME_TAKEN = {"error": "Unprocessable Entity", "message": "Name has already been taken"}
NAME_BLANK = {"error": "Unprocessable Entity", "message": "Name can't be blank"}
TAG_NAMES = ["Customer", "Lead", "Newsletter", "VIP", "Webinar 2026"]
T0_ISO = "2026-03-01T12:00:00.000Z"


def subscription_count(mock: ConvertKitMock, kind: str, target: int, state: str = "active") -> int:
    return sum(1 for s in mock.account.subscriptions
               if s.kind == kind and s.target_id == target and s.state == state)


def test_list_tags(pub: ConvertKit) -> None:
    tags = pub.list_tags()["tags"]
    assert [(t["id"], t["name"]) for t in tags] == list(enumerate(TAG_NAMES, 1))
    assert set(tags[0]) == {"id", "name", "created_at"}
    assert tags[0]["created_at"] == "2024-01-02T09:00:00.000Z"


def test_create_one_tag(convertkit_mock: ConvertKitMock, pub: ConvertKit,
                        frozen: ConvertKitMock) -> None:
    tag = pub.create_tags("House Stark")
    assert convertkit_mock.last_status == 201  # D-2
    assert tag == {"id": 6, "name": "House Stark", "created_at": T0_ISO, "account_id": 1001,
                   "state": "available", "updated_at": T0_ISO, "deleted_at": None}
    assert pub.list_tags()["tags"][-1] == {"id": 6, "name": "House Stark", "created_at": T0_ISO}


def test_create_several_tags_in_request_order(convertkit_mock: ConvertKitMock,
                                              ck: ConvertKit) -> None:
    tags = ck.create_tags(["House Stark", "House Lannister"])
    assert convertkit_mock.last_status == 201
    assert [(t["id"], t["name"]) for t in tags] == [(6, "House Stark"), (7, "House Lannister")]
    one = ck.create_tags(["Solo"])
    assert isinstance(one, list) and [t["name"] for t in one] == ["Solo"]


@pytest.mark.parametrize("names,expected", [
    ("Customer", NAME_TAKEN), ("  customer  ", NAME_TAKEN), (["New", "VIP"], NAME_TAKEN),
    (["Twin", "twin"], NAME_TAKEN), ("", NAME_BLANK), ("   ", NAME_BLANK),
    (["Fine", ""], NAME_BLANK)])
def test_create_tags_rejects_duplicates_and_blanks_atomically(pub: ConvertKit, names: Any,
                                                              expected: dict[str, str]) -> None:
    err = raises(InvalidRequest, pub.create_tags, names)
    assert (err.status, err.body) == (422, expected)  # D-3
    assert [t["name"] for t in pub.list_tags()["tags"]] == TAG_NAMES  # nothing created


@pytest.mark.parametrize("body", [{}, {"tag": "Customer"}, {"tag": []}, {"tag": {"title": "x"}},
                                  {"tag": {"name": 7}}])
def test_create_tags_bad_shape_is_422(convertkit_mock: ConvertKitMock,
                                      body: dict[str, Any]) -> None:
    r = convertkit_mock.http.post("/v3/tags", json={"api_key": convertkit_mock.api_key, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and r.json()["message"]
    assert len(convertkit_mock.account.tags) == 5


def test_tag_subscriber_creates_unknown_email(convertkit_mock: ConvertKitMock, pub: ConvertKit,
                                              ck: ConvertKit) -> None:
    before = ck.list_tag_subscriptions(4)["total_subscriptions"]
    sub = pub.tag_subscriber(4, "new@example.com", first_name="Nova")["subscription"]
    assert convertkit_mock.last_status == 200
    assert (sub["subscribable_type"], sub["subscribable_id"], sub["state"]) == ("tag", 4, "active")
    assert sub["subscriber"] == {"id": 301}
    assert ck.get_subscriber(301)["subscriber"]["first_name"] == "Nova"
    assert [t["id"] for t in pub.list_subscriber_tags(301)["tags"]] == [4]
    assert ck.list_tag_subscriptions(4)["total_subscriptions"] == before + 1
    again = pub.tag_subscriber(4, "new@example.com")["subscription"]
    assert again["id"] == sub["id"]
    assert ck.list_tag_subscriptions(4)["total_subscriptions"] == before + 1


def test_tag_subscriber_unknown_tag_is_tag_not_found(convertkit_mock: ConvertKitMock,
                                                     pub: ConvertKit) -> None:
    err = raises(NotFound, pub.tag_subscriber, 99, "x@example.com")
    assert (err.status, err.body) == (404, TAG_NOT_FOUND)
    assert convertkit_mock.account.subscribers.by("email", "x@example.com") is None


def test_tagging_resubscribes_a_cancelled_subscriber(ck: ConvertKit) -> None:
    cancelled = ck.get_subscriber(51)["subscriber"]  # 51 = 3 * 17
    assert cancelled["state"] == "cancelled"
    email = cancelled["email_address"]
    assert ck.tag_subscriber(5, email)["subscription"]["state"] == "active"
    assert ck.get_subscriber(51)["subscriber"]["state"] == "active"  # §16, D-6


def test_remove_tag_from_subscriber_by_id(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    sid = ck.tag_subscriber(3, "tagged@example.com")["subscription"]["subscriber"]["id"]
    before = ck.list_tag_subscriptions(3)["total_subscriptions"]
    removed = ck.remove_tag_from_subscriber(sid, 3)
    assert convertkit_mock.last_status == 200
    assert removed == {"id": 3, "name": "Newsletter", "created_at": "2024-01-02T09:00:00.000Z"}
    assert ck.list_subscriber_tags(sid) == {"tags": []}
    assert ck.list_tag_subscriptions(3)["total_subscriptions"] == before - 1


@pytest.mark.parametrize("sid,tid", [(99999, 1), (1, 99)])
def test_remove_tag_unknown_subscriber_or_tag_is_404(ck: ConvertKit, sid: int, tid: int) -> None:
    before = ck.list_tag_subscriptions(1)["total_subscriptions"]
    err = raises(NotFound, ck.remove_tag_from_subscriber, sid, tid)
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert ck.list_tag_subscriptions(1)["total_subscriptions"] == before


def test_remove_tag_by_email(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    sid = ck.tag_subscriber(2, "lead@example.com")["subscription"]["subscriber"]["id"]
    ck.tag_subscriber(4, "lead@example.com")
    tag = ck.remove_tag_from_subscriber_by_email(2, "LEAD@example.com")
    assert convertkit_mock.last_status == 200  # D-2
    assert tag == {"id": 2, "name": "Lead", "created_at": "2024-01-02T09:00:00.000Z"}
    assert [t["id"] for t in ck.list_subscriber_tags(sid)["tags"]] == [4]


@pytest.mark.parametrize("email", ["stranger@example.com", "not an email at all", ""])
def test_remove_tag_by_email_of_non_subscriber_succeeds_silently(ck: ConvertKit,
                                                                 email: str) -> None:
    before = ck.list_tag_subscriptions(2)["total_subscriptions"]
    tag = ck.remove_tag_from_subscriber_by_email(2, email)
    assert tag == {"id": 2, "name": "Lead", "created_at": "2024-01-02T09:00:00.000Z"}
    assert ck.list_tag_subscriptions(2)["total_subscriptions"] == before
    assert ck.list_subscribers(email_address=email)["total_subscribers"] == 0


def test_remove_tag_by_email_unknown_tag_is_404_and_missing_email_422(
        convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    err = raises(NotFound, ck.remove_tag_from_subscriber_by_email, 99, "x@example.com")
    assert (err.status, err.body) == (404, NOT_FOUND)
    before = ck.list_tag_subscriptions(2)["total_subscriptions"]
    r = convertkit_mock.http.post("/v3/tags/2/unsubscribe",
                                  json={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (422, MISSING_EMAIL)  # §14: tag-unsubscribe too
    assert ck.list_tag_subscriptions(2)["total_subscriptions"] == before


def test_list_tag_subscriptions(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    n = subscription_count(convertkit_mock, "tag", 1)
    body = ck.list_tag_subscriptions(1)
    assert body["total_subscriptions"] == n and body["page"] == 1
    assert {(s["subscribable_type"], s["subscribable_id"]) for s in body["subscriptions"]} == {
        ("tag", 1)}
    assert all(s["subscriber"]["state"] == "active" for s in body["subscriptions"])
