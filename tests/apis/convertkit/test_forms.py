"""ConvertKit forms and landing pages (§4, §16). Default data (fixtures/convertkit.yaml):
account 1001 with forms 3001 (plain), 3002 (double opt-in), 3003 (landing page), 3004
(archived); 300 generated subscribers (every 17th cancelled, every 29th inactive).
References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from support import raises

from mailmocks.clients.base import NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]
LIVE, CANCELLED = 283, 17  # 300 generated; every 17th cancelled (17 of them)
T0_ISO = "2026-03-01T12:00:00.000Z"


def subscription_count(mock: ConvertKitMock, kind: str, target: int, state: str = "active") -> int:
    return sum(1 for s in mock.account.subscriptions
               if s.kind == kind and s.target_id == target and s.state == state)


def test_list_forms_includes_landing_pages_and_archived_forms(pub: ConvertKit) -> None:
    forms = pub.list_forms()["forms"]
    assert [(f["id"], f["type"], f["format"], f["archived"]) for f in forms] == [
        (3001, "embed", "inline", False), (3002, "embed", "modal", False),
        (3003, "hosted", None, False), (3004, "embed", "sticky bar", True)]
    first = forms[0]
    assert first["name"] == "Newsletter signup"
    assert first["uid"] == "a1b2c3d4e5"
    assert first["embed_url"].endswith("/a1b2c3d4e5")
    assert first["embed_js"] == first["embed_url"] + "/index.js"
    # D-9: the union of the old and the new documented fields
    assert set(first) == {"id", "name", "created_at", "type", "format", "embed_js", "embed_url",
                          "archived", "uid", "url", "title", "description",
                          "sign_up_button_text", "success_message"}


def test_form_subscribe_with_public_key_returns_id_only(convertkit_mock: ConvertKitMock,
                                                        pub: ConvertKit, ck: ConvertKit,
                                                        frozen: ConvertKitMock) -> None:
    before = subscription_count(convertkit_mock, "form", 3001)
    body = pub.add_subscriber_to_form(3001, "jon@example.com", first_name="Jon",
                                      fields={"last_name": "Snow", "company": "Night's Watch"},
                                      tags=[1, 4])
    assert convertkit_mock.last_status == 200
    sub = body["subscription"]
    sid = sub["subscriber"]["id"]
    assert sub == {"id": sub["id"], "state": "active", "created_at": T0_ISO,
                   "source": "API::V3::SubscriptionsController (external)", "referrer": None,
                   "subscribable_id": 3001, "subscribable_type": "form",
                   "subscriber": {"id": sid}}  # D-5: no data leaks to the public key
    assert sid == 301
    assert ck.get_subscriber(sid) == {"subscriber": {
        "id": 301, "first_name": "Jon", "email_address": "jon@example.com", "state": "active",
        "created_at": T0_ISO,
        "fields": {"last_name": "Snow", "company": "Night's Watch", "phone_number": None,
                   "favourite_colour": None}}}
    assert [t["name"] for t in pub.list_subscriber_tags(sid)["tags"]] == ["Customer", "VIP"]
    assert subscription_count(convertkit_mock, "form", 3001) == before + 1


def test_form_subscribe_with_secret_returns_full_subscriber(convertkit_mock: ConvertKitMock,
                                                           frozen: ConvertKitMock) -> None:
    r = convertkit_mock.http.post("/v3/forms/3003/subscribe", json={
        "api_secret": convertkit_mock.api_secret, "email": "arya@example.com",
        "first_name": "Arya"})
    assert r.status_code == 200
    sub = r.json()["subscription"]
    assert sub["subscribable_id"] == 3003
    assert sub["subscriber"] == {"id": 301, "first_name": "Arya",
                                 "email_address": "arya@example.com", "state": "active",
                                 "created_at": T0_ISO,
                                 "fields": dict.fromkeys(FIELD_KEYS)}


def test_form_subscribe_again_returns_same_subscription_and_saves_new_data(ck: ConvertKit) -> None:
    first = ck.add_subscriber_to_form(3001, "sansa@example.com", first_name="Sansa")
    again = ck.add_subscriber_to_form(3001, "SANSA@example.com", first_name="Alayne",
                                      fields={"last_name": "Stone"})
    assert again["subscription"]["id"] == first["subscription"]["id"]  # D-6
    assert again["subscription"]["subscriber"]["id"] == first["subscription"]["subscriber"]["id"]
    s = ck.get_subscriber(first["subscription"]["subscriber"]["id"])["subscriber"]
    assert (s["first_name"], s["email_address"], s["fields"]["last_name"]) == (
        "Alayne", "sansa@example.com", "Stone")
    found = ck.list_subscribers(email_address="sansa@example.com")
    assert found["total_subscribers"] == 1


def test_form_subscribe_of_existing_subscriber_keeps_their_id(ck: ConvertKit) -> None:
    email = ck.get_subscriber(5)["subscriber"]["email_address"]
    sub = ck.add_subscriber_to_form(3003, email)["subscription"]
    assert sub["subscriber"]["id"] == 5
    assert ck.list_subscribers()["total_subscribers"] == LIVE


def test_form_subscribe_reactivates_a_cancelled_subscriber(convertkit_mock: ConvertKitMock,
                                                           ck: ConvertKit) -> None:
    cancelled = ck.get_subscriber(17)["subscriber"]
    assert cancelled["state"] == "cancelled"
    sub = ck.add_subscriber_to_form(3001, cancelled["email_address"])["subscription"]
    assert sub["state"] == "active"
    assert ck.get_subscriber(17)["subscriber"]["state"] == "active"  # D-6
    assert ck.list_subscribers()["total_subscribers"] == LIVE + 1
    assert ck.list_subscribers(sort_field="cancelled_at")["total_subscribers"] == CANCELLED - 1


def test_form_subscribe_accepts_deprecated_name_courses_and_forms(convertkit_mock: ConvertKitMock,
                                                                  ck: ConvertKit) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", json={
        "api_key": convertkit_mock.api_key, "email": "old@example.com", "name": "Oldie",
        "courses": [4002], "forms": [3003]})
    assert r.status_code == 200
    sid = r.json()["subscription"]["subscriber"]["id"]
    assert ck.get_subscriber(sid)["subscriber"]["first_name"] == "Oldie"
    course_emails = [s["subscriber"]["email_address"] for s in
                     ck.list_sequence_subscriptions(4002, sort_order="desc")["subscriptions"]]
    form_emails = [s["subscriber"]["email_address"] for s in
                   ck.list_form_subscriptions(3003, sort_order="desc")["subscriptions"]]
    assert course_emails[0] == "old@example.com"
    assert form_emails[0] == "old@example.com"


def test_form_subscribe_ignores_unknown_field_keys(ck: ConvertKit) -> None:
    sid = ck.add_subscriber_to_form(3001, "f@example.com",
                                    fields={"company": "Acme", "shoe_size": "44"}
                                    )["subscription"]["subscriber"]["id"]
    assert ck.get_subscriber(sid)["subscriber"]["fields"] == {
        "last_name": None, "company": "Acme", "phone_number": None, "favourite_colour": None}


def test_form_subscribe_unknown_form_is_404_and_creates_nobody(convertkit_mock: ConvertKitMock,
                                                               pub: ConvertKit,
                                                               ck: ConvertKit) -> None:
    err = raises(NotFound, pub.add_subscriber_to_form, 9999, "ghost@example.com")
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert ck.list_subscribers(email_address="ghost@example.com")["total_subscribers"] == 0
    assert ck.list_subscribers()["total_subscribers"] == LIVE


def test_list_form_subscriptions_pages_active_subscribers(convertkit_mock: ConvertKitMock,
                                                          ck: ConvertKit) -> None:
    active = subscription_count(convertkit_mock, "form", 3001)
    assert active > 50  # so that there is a second page
    page1 = ck.list_form_subscriptions(3001)
    assert convertkit_mock.last_status == 200
    assert (page1["total_subscriptions"], page1["page"], page1["total_pages"]) == (
        active, 1, -(-active // 50))
    assert len(page1["subscriptions"]) == 50
    first = page1["subscriptions"][0]
    assert first["subscribable_type"] == "form" and first["subscribable_id"] == 3001
    assert first["state"] == "active"
    assert set(first["subscriber"]) == {"id", "first_name", "email_address", "state",
                                        "created_at", "fields"}  # full subscriber in lists
    assert all(s["subscriber"]["state"] == "active" for s in page1["subscriptions"])
    ids = [s["subscriber"]["id"] for s in page1["subscriptions"]]
    assert ids == sorted(ids)  # oldest first
    page2 = ck.list_form_subscriptions(3001, page=2)
    assert page2["page"] == 2 and len(page2["subscriptions"]) == active - 50
    assert not {s["id"] for s in page2["subscriptions"]} & {s["id"] for s in page1["subscriptions"]}


def test_list_form_subscriptions_desc_and_cancelled(convertkit_mock: ConvertKitMock,
                                                    ck: ConvertKit) -> None:
    desc = ck.list_form_subscriptions(3001, sort_order="desc")["subscriptions"]
    ids = [s["subscriber"]["id"] for s in desc]
    assert ids == sorted(ids, reverse=True)
    cancelled = ck.list_form_subscriptions(3001, subscriber_state="cancelled")
    n = subscription_count(convertkit_mock, "form", 3001, "cancelled")
    assert n > 0 and cancelled["total_subscriptions"] == n
    assert {s["subscriber"]["state"] for s in cancelled["subscriptions"]} == {"cancelled"}
    assert all(s["subscriber"]["id"] % 17 == 0 for s in cancelled["subscriptions"])


def test_list_subscription_forms_maps_each_form(convertkit_mock: ConvertKitMock,
                                                pub: ConvertKit) -> None:
    """Undocumented; the WordPress library's get_subscription_forms (D-15)."""
    listed = pub.list_subscription_forms()
    assert convertkit_mock.last_status == 200
    assert listed == [{"id": f, "form_id": f, "archived": f == 3004}
                      for f in (3001, 3002, 3003, 3004)]
