"""ConvertKit subscribers: the listing and its filters, reading, updating, unsubscribing,
their tags (§7, D-7, D-10). Default data (fixtures/convertkit.yaml): 300 generated subscribers
(ids 1-300, created hourly from 2024-01-02T10:00Z; every 17th cancelled, every 29th inactive).
References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]
LIVE, CANCELLED = 283, 17  # 300 generated; every 17th cancelled (17 of them)


def subscription_count(mock: ConvertKitMock, kind: str, target: int, state: str = "active") -> int:
    return sum(1 for s in mock.account.subscriptions
               if s.kind == kind and s.target_id == target and s.state == state)


def test_list_subscribers_default_is_non_cancelled_oldest_first(convertkit_mock: ConvertKitMock,
                                                               ck: ConvertKit) -> None:
    page = ck.list_subscribers()
    assert convertkit_mock.last_status == 200
    assert (page["total_subscribers"], page["page"], page["total_pages"]) == (LIVE, 1, 6)
    subs = page["subscribers"]
    assert len(subs) == 50
    assert [s["id"] for s in subs[:3]] == [1, 2, 3]
    assert 17 not in [s["id"] for s in subs]  # cancelled are left out
    assert next(s for s in subs if s["id"] == 29)["state"] == "inactive"  # D-7
    assert subs[0]["created_at"] == "2024-01-02T10:00:00.000Z"
    assert subs[1]["created_at"] == "2024-01-02T11:00:00.000Z"
    assert sorted(subs[0]["fields"]) == sorted(FIELD_KEYS)  # D-10


def test_list_subscribers_last_page_and_past_it(ck: ConvertKit) -> None:
    last = ck.list_subscribers(page=6)
    assert len(last["subscribers"]) == LIVE - 250
    assert last["subscribers"][-1]["id"] == 300
    past = ck.list_subscribers(page=9)
    assert past == {"total_subscribers": LIVE, "page": 9, "total_pages": 6, "subscribers": []}


def test_list_subscribers_desc(ck: ConvertKit) -> None:
    subs = ck.list_subscribers(sort_order="desc")["subscribers"]
    assert [s["id"] for s in subs[:3]] == [300, 299, 298]


def test_iter_subscribers_walks_every_page(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    ids = [s["id"] for s in ck.iter_subscribers()]
    assert len(ids) == LIVE and len(set(ids)) == LIVE
    assert not [i for i in ids if i % 17 == 0]
    assert len(convertkit_mock.journal.entries(kind="request")) == 6


def test_list_cancelled_subscribers_with_sort_field(ck: ConvertKit) -> None:
    page = ck.list_subscribers(sort_field="cancelled_at")
    assert page["total_subscribers"] == CANCELLED
    assert [s["id"] for s in page["subscribers"]] == [17 * i for i in range(1, 18)]
    assert {s["state"] for s in page["subscribers"]} == {"cancelled"}
    desc = ck.list_subscribers(sort_field="cancelled_at", sort_order="desc")
    assert desc["subscribers"][0]["id"] == 289


def test_list_subscribers_by_email_address_any_state(ck: ConvertKit) -> None:
    cancelled = ck.get_subscriber(17)["subscriber"]
    found = ck.list_subscribers(email_address=cancelled["email_address"].upper())
    assert found == {"total_subscribers": 1, "page": 1, "total_pages": 1,
                     "subscribers": [cancelled]}


@pytest.mark.parametrize("email", ["nobody@example.com", "not-an-email", "%"])
def test_list_subscribers_by_unknown_email_is_empty(ck: ConvertKit, email: str) -> None:
    assert ck.list_subscribers(email_address=email) == {
        "total_subscribers": 0, "page": 1, "total_pages": 0, "subscribers": []}


def test_list_subscribers_created_between_dates(ck: ConvertKit) -> None:
    # subscriber i was created at 2024-01-02T09:00Z + i hours: 2024-01-03 holds i = 15..38
    page = ck.list_subscribers(from_="2024-01-03", to="2024-01-03")
    ids = [s["id"] for s in page["subscribers"]]
    assert ids == [i for i in range(15, 39) if i not in (17, 34)]
    assert page["total_subscribers"] == 22
    iso = ck.list_subscribers(from_="2024-01-02T12:00:00Z", to="2024-01-02T14:00:00Z")
    assert [s["id"] for s in iso["subscribers"]] == [3, 4, 5]
    assert ck.list_subscribers(from_="2030-01-01")["total_subscribers"] == 0


def test_list_subscribers_updated_between(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                          frozen: ConvertKitMock) -> None:
    ck.update_subscriber(7, first_name="Changed")
    page = ck.list_subscribers(updated_from="2026-03-01")
    assert [s["id"] for s in page["subscribers"]] == [7]
    assert page["subscribers"][0]["first_name"] == "Changed"
    # 2024-01-02 saw subscribers 1-14 created and last updated, but 7 has just changed
    assert ck.list_subscribers(updated_to="2024-01-02")["total_subscribers"] == 13
    assert ck.list_subscribers(updated_from="2026-03-02")["total_subscribers"] == 0


@pytest.mark.parametrize("params", [{"from": "yesterday"}, {"to": "2024-13-01"},
                                    {"updated_from": "01/02/2024"}, {"sort_order": "up"},
                                    {"sort_field": "email"}, {"page": "x"}, {"page": "-1"}])
def test_list_subscribers_bad_filters_are_422(convertkit_mock: ConvertKitMock,
                                              params: dict[str, str]) -> None:
    r = convertkit_mock.http.get("/v3/subscribers",
                                 params={"api_secret": convertkit_mock.api_secret, **params})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity"
    assert next(iter(params)) in r.json()["message"]


def test_get_subscriber_has_every_field_key(ck: ConvertKit) -> None:
    s = ck.get_subscriber(29)["subscriber"]
    assert s["id"] == 29 and s["state"] == "inactive"
    assert s["created_at"] == "2024-01-03T14:00:00.000Z"
    assert list(s["fields"]) == FIELD_KEYS
    assert all(v is None or isinstance(v, str) for v in s["fields"].values())


@pytest.mark.parametrize("sid", ["99999", "0", "abc"])
def test_get_unknown_subscriber_is_404(convertkit_mock: ConvertKitMock, sid: str) -> None:
    r = convertkit_mock.http.get(f"/v3/subscribers/{sid}",
                                 params={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


def test_update_subscriber(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    old = ck.get_subscriber(3)["subscriber"]
    body = ck.update_subscriber(3, first_name="Renamed", email_address="renamed@example.com",
                                fields={"company": "New Co", "favourite_colour": None,
                                        "not_a_field": "ignored"})
    assert convertkit_mock.last_status == 200
    expected = {**old, "first_name": "Renamed", "email_address": "renamed@example.com",
                "fields": {**old["fields"], "company": "New Co", "favourite_colour": None}}
    assert body == {"subscriber": expected}
    assert ck.get_subscriber(3) == {"subscriber": expected}
    assert ck.list_subscribers(email_address=old["email_address"])["total_subscribers"] == 0
    assert ck.list_subscribers(email_address="renamed@example.com")["subscribers"][0]["id"] == 3


def test_update_subscriber_without_attributes_is_a_noop(convertkit_mock: ConvertKitMock,
                                                        ck: ConvertKit) -> None:
    old = ck.get_subscriber(4)
    assert ck.update_subscriber(4) == old
    r = convertkit_mock.http.put("/v3/subscribers/4",
                                 params={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (200, old)
    assert ck.get_subscriber(4) == old


def test_update_subscriber_unknown_is_404(ck: ConvertKit) -> None:
    err = raises(NotFound, ck.update_subscriber, 99999, first_name="X")
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_update_subscriber_invalid_or_taken_email_is_422(ck: ConvertKit) -> None:
    old = ck.get_subscriber(6)
    err = raises(InvalidRequest, ck.update_subscriber, 6, email_address="nope")
    assert err.status == 422 and err.body["error"] == "Unprocessable Entity"
    assert "email_address" in err.body["message"]
    taken = ck.get_subscriber(8)["subscriber"]["email_address"]
    err = raises(InvalidRequest, ck.update_subscriber, 6, first_name="Thief",
                 email_address=taken.upper())
    assert (err.status, err.body) == (422, {"error": "Unprocessable Entity",
                                            "message": "Email address has already been taken"})
    assert ck.get_subscriber(6) == old


def test_update_subscriber_wrong_types_are_422(convertkit_mock: ConvertKitMock,
                                               ck: ConvertKit) -> None:
    old = ck.get_subscriber(6)
    for body in ({"first_name": 5}, {"fields": ["a"]}, {"fields": {"company": {"x": 1}}}):
        r = convertkit_mock.http.put("/v3/subscribers/6",
                                     json={"api_secret": convertkit_mock.api_secret, **body})
        assert r.status_code == 422, body
        assert r.json()["error"] == "Unprocessable Entity"
    assert ck.get_subscriber(6) == old


def test_unsubscribe(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    s = ck.get_subscriber(10)["subscriber"]
    n_form = subscription_count(convertkit_mock, "form", 3001, "cancelled")
    body = ck.unsubscribe_subscriber(s["email_address"].upper())
    assert convertkit_mock.last_status == 200
    assert body == {"subscriber": {**s, "state": "cancelled"}}  # §7: cancelled, not active
    assert ck.get_subscriber(10)["subscriber"]["state"] == "cancelled"
    assert ck.list_subscribers()["total_subscribers"] == LIVE - 1
    cancelled = ck.list_subscribers(sort_field="cancelled_at")
    assert cancelled["total_subscribers"] == CANCELLED + 1
    assert cancelled["subscribers"][-1]["id"] == 10  # most recently cancelled last
    memberships = [m for m in convertkit_mock.account.subscriptions if m.subscriber_id == 10]
    assert memberships and {m.state for m in memberships} == {"cancelled"}
    if any(m.kind == "form" and m.target_id == 3001 for m in memberships):
        assert subscription_count(convertkit_mock, "form", 3001, "cancelled") == n_form + 1


@pytest.mark.parametrize("email", ["nobody@example.com", "not-an-email"])
def test_unsubscribe_unknown_email_is_404(ck: ConvertKit, email: str) -> None:
    err = raises(NotFound, ck.unsubscribe_subscriber, email)
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert ck.list_subscribers(sort_field="cancelled_at")["total_subscribers"] == CANCELLED


def test_unsubscribe_without_email_is_422(convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.put("/v3/unsubscribe",
                                 json={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 422 and r.json()["error"] == "Unprocessable Entity"


def test_list_subscriber_tags(pub: ConvertKit, ck: ConvertKit) -> None:
    sid = ck.tag_subscriber(5, "t@example.com", tags=[2])["subscription"]["subscriber"]["id"]
    tags = pub.list_subscriber_tags(sid)["tags"]
    assert sorted((t["id"], t["name"]) for t in tags) == [(2, "Lead"), (5, "Webinar 2026")]
    assert all(set(t) == {"id", "name", "created_at"} for t in tags)
    plain = ck.add_subscriber_to_form(3001, "plain@example.com")["subscription"]
    assert pub.list_subscriber_tags(plain["subscriber"]["id"]) == {"tags": []}
    err = raises(NotFound, pub.list_subscriber_tags, 99999)
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_a_listing_shows_every_change_made_after_it(convertkit_mock: ConvertKitMock,
                                                    ck: ConvertKit) -> None:
    # a listing reuses the subscriber shapes it built (Table.shown): each write path must
    # make the next listing show what changed
    def first(page: int = 1) -> dict[str, object]:
        return dict(ck.list_subscribers(page=page)["subscribers"][0])

    form = next(iter(convertkit_mock.account.forms)).id
    before = first()
    ck.update_subscriber(1, first_name="Renamed", fields={"company": "Acme"})
    after = first()
    assert after["first_name"] == "Renamed" and after != before
    assert after["fields"]["company"] == "Acme"  # type: ignore[index]
    ck.add_subscriber_to_form(form, str(after["email_address"]), first_name="Again",
                              fields={"company": "Beta"})
    assert first()["first_name"] == "Again"
    assert first()["fields"]["company"] == "Beta"  # type: ignore[index]
    ck.unsubscribe_subscriber(str(after["email_address"]))
    assert first()["id"] == 2  # the cancelled one left the default listing
    colour = next(f for f in ck.list_custom_fields()["custom_fields"]
                  if f["key"] == "favourite_colour")  # the last field: re-added, same keys
    ck.update_subscriber(2, fields={"favourite_colour": "teal"})
    assert first()["fields"]["favourite_colour"] == "teal"  # type: ignore[index]
    ck.delete_custom_field(colour["id"])
    ck.create_custom_fields(colour["label"])  # the old values went with the field
    assert first()["fields"]["favourite_colour"] is None  # type: ignore[index]
