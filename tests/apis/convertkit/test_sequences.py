"""ConvertKit sequences, "courses" in v3 payloads and original paths (§5, assumption L).
References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from support import raises

from mailmocks.clients.base import NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

COURSE_NOT_FOUND = {"error": "Course not found", "message": ""}


def test_list_sequences_under_legacy_key_courses(convertkit_mock: ConvertKitMock,
                                                 pub: ConvertKit) -> None:
    courses = pub.list_sequences()["courses"]
    assert [(c["id"], c["name"], c["hold"], c["repeat"]) for c in courses] == [
        (4001, "Welcome series", False, False), (4002, "Onboarding course", True, False),
        (4003, "Evergreen tips", False, True)]
    assert set(courses[0]) == {"id", "name", "created_at", "hold", "repeat"}
    legacy = convertkit_mock.http.get("/v3/courses", params={"api_key": convertkit_mock.api_key})
    assert legacy.json() == {"courses": courses}


def test_sequence_subscribe(convertkit_mock: ConvertKitMock, pub: ConvertKit,
                            ck: ConvertKit) -> None:
    before = ck.list_sequence_subscriptions(4003)["total_subscriptions"]
    sub = pub.add_subscriber_to_sequence(4003, "bran@example.com", first_name="Bran",
                                         tags=[3])["subscription"]
    assert convertkit_mock.last_status == 200
    assert (sub["subscribable_type"], sub["subscribable_id"], sub["state"]) == (
        "course", 4003, "active")
    assert sub["subscriber"] == {"id": 301}
    listing = ck.list_sequence_subscriptions(4003, sort_order="desc")
    assert listing["total_subscriptions"] == before + 1
    newest = listing["subscriptions"][0]
    assert newest["id"] == sub["id"]
    assert newest["subscriber"]["first_name"] == "Bran"
    assert [t["name"] for t in ck.list_subscriber_tags(301)["tags"]] == ["Newsletter"]
    again = pub.add_subscriber_to_sequence(4003, "bran@example.com")["subscription"]
    assert again["id"] == sub["id"]


def test_sequence_subscribe_on_legacy_courses_path(convertkit_mock: ConvertKitMock,
                                                   ck: ConvertKit) -> None:
    r = convertkit_mock.http.post("/v3/courses/4001/subscribe",
                                  json={"api_key": convertkit_mock.api_key,
                                        "email": "rickon@example.com"})
    assert r.status_code == 200
    assert r.json()["subscription"]["subscribable_type"] == "course"
    legacy = convertkit_mock.http.get("/v3/courses/4001/subscriptions", params={
        "api_secret": convertkit_mock.api_secret, "sort_order": "desc"}).json()
    assert legacy == ck.list_sequence_subscriptions(4001, sort_order="desc")
    assert legacy["subscriptions"][0]["subscriber"]["email_address"] == "rickon@example.com"


def test_sequence_subscribe_unknown_sequence_is_course_not_found(convertkit_mock: ConvertKitMock,
                                                                 pub: ConvertKit) -> None:
    err = raises(NotFound, pub.add_subscriber_to_sequence, 4999, "x@example.com")
    assert (err.status, err.body) == (404, COURSE_NOT_FOUND)
    r = convertkit_mock.http.post("/v3/courses/4999/subscribe",
                                  json={"api_key": convertkit_mock.api_key, "email": "x@e.com"})
    assert (r.status_code, r.json()) == (404, COURSE_NOT_FOUND)
    assert convertkit_mock.account.subscribers.by("email", "x@example.com") is None


def test_sequence_subscribe_reactivates_cancelled(ck: ConvertKit) -> None:
    email = ck.get_subscriber(34)["subscriber"]["email_address"]
    assert ck.add_subscriber_to_sequence(4001, email)["subscription"]["state"] == "active"
    assert ck.get_subscriber(34)["subscriber"]["state"] == "active"
