"""ConvertKit v3 fake: account, forms, sequences, tags, subscribers, custom fields, auth,
rate limit, pagination and bad input.

Facts: /work/shared/api-facts/convertkit.md (sections and "Decisions for the fake" are quoted
as §n / D-n). Default data (fixtures/convertkit.yaml): account 1001 with forms 3001 (plain),
3002 (double opt-in), 3003 (landing page), 3004 (archived); sequences 4001-4003; tags 1-5
(Customer, Lead, Newsletter, VIP, Webinar 2026); custom fields 1-4 (last_name, company,
phone_number, favourite_colour); 300 generated subscribers (ids 1-300, created hourly from
2024-01-02T10:00Z; every 17th cancelled, every 29th inactive); account 1002 is a second tenant.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
import pytest

from mailmocks.clients.base import ApiError, AuthError, InvalidRequest, NotFound, RateLimited

# -- vendor bodies (facts §14, D-1, D-3) ---------------------------------------------------
NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
NOT_PRESENT = {"error": "Authorization Failed", "message": "API Key not present"}
NOT_VALID = {"error": "Authorization Failed", "message": "API Key not valid"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}
MISSING_EMAIL = {"error": "Missing parameter", "message": "Subscriber email is required"}
INVALID_EMAIL = {"error": "Error updating subscriber", "message": "Email address is invalid"}
COURSE_NOT_FOUND = {"error": "Course not found", "message": ""}
TAG_NOT_FOUND = {"error": "Tag not found", "message": ""}
NAME_TAKEN = {"error": "Unprocessable Entity", "message": "Name has already been taken"}
NAME_BLANK = {"error": "Unprocessable Entity", "message": "Name can't be blank"}
LABEL_TAKEN = {"error": "Unprocessable Entity", "message": "Label has already been taken"}
LABEL_BLANK = {"error": "Unprocessable Entity", "message": "Label can't be blank"}
MALFORMED = {"error": "Bad Request", "message": "The request body is not valid JSON"}
TOO_LARGE = {"error": "Payload Too Large", "message": "The request body is too large"}
JSON_TYPE = "application/json; charset=utf-8"

FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]
TAG_NAMES = ["Customer", "Lead", "Newsletter", "VIP", "Webinar 2026"]
LIVE, CANCELLED = 283, 17  # 300 generated; every 17th cancelled (17 of them)
OTHER_SECRET = "ck_sec_OtherCo00000000000000000000"
OTHER_KEY = "ck_pub_OtherCo0000000000"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
T0_ISO = "2026-03-01T12:00:00.000Z"


# -- helpers -------------------------------------------------------------------------------

def raises(kind: type[ApiError], fn: Any, *args: Any, **kwargs: Any) -> ApiError:
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def subscription_count(mock: Any, kind: str, target: int, state: str = "active") -> int:
    return sum(1 for s in mock.account.subscriptions
               if s.kind == kind and s.target_id == target and s.state == state)


@pytest.fixture
def ck(convertkit_mock: Any) -> Any:
    return convertkit_mock.client()


@pytest.fixture
def pub(convertkit_mock: Any) -> Any:
    return convertkit_mock.client(public=True)


@pytest.fixture
def frozen(convertkit_mock: Any) -> Any:
    convertkit_mock.clock.freeze(T0)
    return convertkit_mock


# ==========================================================================================
# Account (§3)
# ==========================================================================================
def test_get_account_returns_the_owner_of_the_secret(convertkit_mock: Any, ck: Any) -> None:
    assert ck.get_account() == {"name": "Acme Newsletter", "plan_type": "creator",
                                "primary_email_address": "owner@acme.test"}
    r = convertkit_mock.http.get("/v3/account", params={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 200
    assert r.headers["content-type"] == JSON_TYPE


def test_get_account_of_the_second_tenant(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.get("/v3/account", params={"api_secret": OTHER_SECRET})
    assert r.json() == {"name": "Other Co", "plan_type": "free",
                        "primary_email_address": "hello@other.test"}


def test_get_account_with_the_public_key_is_refused(convertkit_mock: Any, pub: Any) -> None:
    r = convertkit_mock.http.get("/v3/account", params={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    # the public-only client has no secret to send at all
    err = raises(AuthError, pub.get_account)
    assert (err.status, err.body) == (401, NOT_PRESENT)


# ==========================================================================================
# Authentication (§1.1, §14)
# ==========================================================================================
@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/account"), ("GET", "/v3/forms"), ("GET", "/v3/subscribers"),
    ("POST", "/v3/forms/3001/subscribe"), ("PUT", "/v3/unsubscribe"),
    ("DELETE", "/v3/broadcasts/1"), ("GET", "/v3/tags"),
])
def test_missing_credential_is_401_not_present(convertkit_mock: Any, method: str,
                                               path: str) -> None:
    body = {"email": "nobody@example.com"} if method in ("POST", "PUT") else None
    r = convertkit_mock.http.request(method, path, json=body)
    assert r.status_code == 401
    assert r.json() == NOT_PRESENT
    assert convertkit_mock.account.subscribers.by("email", "nobody@example.com") is None
    assert 1 in convertkit_mock.account.broadcasts


def test_blank_credential_counts_as_missing(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.get("/v3/forms", params={"api_key": ""})
    assert (r.status_code, r.json()) == (401, NOT_PRESENT)


@pytest.mark.parametrize("param", ["api_key", "api_secret"])
def test_unknown_credential_is_401_not_valid(convertkit_mock: Any, param: str) -> None:
    r = convertkit_mock.http.get("/v3/forms", params={param: "ck_nope"})
    assert (r.status_code, r.json()) == (401, NOT_VALID)


@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/subscribers"), ("GET", "/v3/subscribers/1"), ("GET", "/v3/purchases"),
    ("GET", "/v3/purchases/1"), ("GET", "/v3/broadcasts"), ("GET", "/v3/automations/hooks"),
    ("GET", "/v3/forms/3001/subscriptions"), ("GET", "/v3/tags/1/subscriptions"),
    ("POST", "/v3/custom_fields"), ("PUT", "/v3/unsubscribe"), ("POST", "/v3/tags/1/unsubscribe"),
    ("DELETE", "/v3/subscribers/1/tags/1"),
])
def test_public_key_on_secret_only_endpoint_is_401(convertkit_mock: Any, method: str,
                                                   path: str) -> None:
    key = convertkit_mock.api_key
    if method == "GET" or method == "DELETE":
        r = convertkit_mock.http.request(method, path, params={"api_key": key})
    else:
        r = convertkit_mock.http.request(method, path, json={"api_key": key, "label": "X",
                                                              "email": "x@example.com"})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    assert convertkit_mock.account.fields.by("label", "x") is None


@pytest.mark.parametrize("path", ["/v3/forms", "/v3/sequences", "/v3/courses", "/v3/tags",
                                  "/v3/custom_fields", "/v3/subscribers/1/tags"])
def test_api_key_endpoints_accept_either_credential(convertkit_mock: Any, path: str) -> None:
    by_key = convertkit_mock.http.get(path, params={"api_key": convertkit_mock.api_key})
    by_secret = convertkit_mock.http.get(path, params={"api_secret": convertkit_mock.api_secret})
    assert by_key.status_code == by_secret.status_code == 200
    assert by_key.json() == by_secret.json()


def test_credential_in_query_or_in_json_body_on_post(convertkit_mock: Any) -> None:
    http = convertkit_mock.http
    r1 = http.post("/v3/tags/1/subscribe", params={"api_key": convertkit_mock.api_key},
                   json={"email": "query@example.com"})
    r2 = http.post("/v3/tags/1/subscribe",
                   json={"api_key": convertkit_mock.api_key, "email": "body@example.com"})
    assert r1.status_code == r2.status_code == 200
    assert r1.json()["subscription"]["subscribable_id"] == 1
    assert r2.json()["subscription"]["subscribable_id"] == 1


def test_credential_in_json_body_on_delete(convertkit_mock: Any, ck: Any) -> None:
    """The docs send DELETE credentials as a JSON body (§1.2)."""
    r = convertkit_mock.http.request("DELETE", "/v3/custom_fields/4",
                                     json={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 204 and r.content == b""
    assert [f["key"] for f in ck.list_custom_fields()["custom_fields"]] == FIELD_KEYS[:3]


def test_post_parameters_may_all_come_from_the_query_string(convertkit_mock: Any,
                                                            ck: Any) -> None:
    """The Ruby gem sends every parameter in the query string (§1.2)."""
    r = convertkit_mock.http.post("/v3/custom_fields", params={
        "api_secret": convertkit_mock.api_secret, "label": "Occupation"})
    assert r.status_code == 201
    assert r.json()["key"] == "occupation"
    assert ck.list_custom_fields()["custom_fields"][-1]["label"] == "Occupation"


def test_query_string_wins_over_json_body(convertkit_mock: Any, ck: Any) -> None:
    ck.tag_subscriber(2, "keep@example.com")
    ck.tag_subscriber(2, "drop@example.com")
    r = convertkit_mock.http.post("/v3/tags/2/unsubscribe",
                                  params={"email": "drop@example.com"},
                                  json={"api_secret": convertkit_mock.api_secret,
                                        "email": "keep@example.com"})
    assert r.status_code == 200
    emails = {s["subscriber"]["email_address"]
              for s in ck.list_tag_subscriptions(2, page=1, sort_order="desc")["subscriptions"][:3]}
    assert "keep@example.com" in emails and "drop@example.com" not in emails


def test_bad_credential_in_query_is_not_rescued_by_good_one_in_body(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.post("/v3/tags", params={"api_secret": "ck_wrong"},
                                  json={"api_secret": convertkit_mock.api_secret,
                                        "tag": {"name": "Sneaky"}})
    assert (r.status_code, r.json()) == (401, NOT_VALID)
    assert convertkit_mock.account.tags.by("name", "sneaky") is None


def test_tenants_never_see_each_other(convertkit_mock: Any) -> None:
    http = convertkit_mock.http
    forms = http.get("/v3/forms", params={"api_key": OTHER_KEY}).json()["forms"]
    assert [f["id"] for f in forms] == [3101]
    r = http.get("/v3/subscribers/1", params={"api_secret": OTHER_SECRET})
    assert r.json()["subscriber"]["email_address"] != convertkit_mock.client().get_subscriber(
        1)["subscriber"]["email_address"]
    r = http.post("/v3/forms/3001/subscribe", json={"api_key": OTHER_KEY, "email": "x@y.com"})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    subs = http.get("/v3/subscribers", params={"api_secret": OTHER_SECRET}).json()
    assert subs["total_subscribers"] == 5
    assert [t["name"] for t in http.get("/v3/tags", params={"api_key": OTHER_KEY}).json()["tags"]
            ] == ["Customer"]


# ==========================================================================================
# Forms (§4)
# ==========================================================================================
def test_list_forms_includes_landing_pages_and_archived_forms(pub: Any) -> None:
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


def test_form_subscribe_with_public_key_returns_id_only(convertkit_mock: Any, pub: Any,
                                                       ck: Any, frozen: Any) -> None:
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


def test_form_subscribe_with_secret_returns_full_subscriber(convertkit_mock: Any,
                                                           frozen: Any) -> None:
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


def test_form_subscribe_again_returns_same_subscription_and_saves_new_data(ck: Any) -> None:
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


def test_form_subscribe_of_existing_subscriber_keeps_their_id(ck: Any) -> None:
    email = ck.get_subscriber(5)["subscriber"]["email_address"]
    sub = ck.add_subscriber_to_form(3003, email)["subscription"]
    assert sub["subscriber"]["id"] == 5
    assert ck.list_subscribers()["total_subscribers"] == LIVE


def test_form_subscribe_reactivates_a_cancelled_subscriber(convertkit_mock: Any, ck: Any) -> None:
    cancelled = ck.get_subscriber(17)["subscriber"]
    assert cancelled["state"] == "cancelled"
    sub = ck.add_subscriber_to_form(3001, cancelled["email_address"])["subscription"]
    assert sub["state"] == "active"
    assert ck.get_subscriber(17)["subscriber"]["state"] == "active"  # D-6
    assert ck.list_subscribers()["total_subscribers"] == LIVE + 1
    assert ck.list_subscribers(sort_field="cancelled_at")["total_subscribers"] == CANCELLED - 1


def test_form_subscribe_accepts_deprecated_name_courses_and_forms(convertkit_mock: Any,
                                                                  ck: Any) -> None:
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


def test_form_subscribe_ignores_unknown_field_keys(ck: Any) -> None:
    sid = ck.add_subscriber_to_form(3001, "f@example.com",
                                    fields={"company": "Acme", "shoe_size": "44"}
                                    )["subscription"]["subscriber"]["id"]
    assert ck.get_subscriber(sid)["subscriber"]["fields"] == {
        "last_name": None, "company": "Acme", "phone_number": None, "favourite_colour": None}


def test_form_subscribe_unknown_form_is_404_and_creates_nobody(convertkit_mock: Any,
                                                               pub: Any, ck: Any) -> None:
    err = raises(NotFound, pub.add_subscriber_to_form, 9999, "ghost@example.com")
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert ck.list_subscribers(email_address="ghost@example.com")["total_subscribers"] == 0
    assert ck.list_subscribers()["total_subscribers"] == LIVE


@pytest.mark.parametrize("op,target", [("add_subscriber_to_form", 3001),
                                       ("add_subscriber_to_sequence", 4001),
                                       ("tag_subscriber", 1)])
@pytest.mark.parametrize("email,expected", [
    ("not-an-email", INVALID_EMAIL), ("two@@example.com", INVALID_EMAIL),
    ("spaces in@example.com", INVALID_EMAIL), ("", MISSING_EMAIL)])
def test_subscribe_rejects_bad_email_with_vendor_422(convertkit_mock: Any, pub: Any, op: str,
                                                     target: int, email: str,
                                                     expected: dict[str, str]) -> None:
    before = len(convertkit_mock.account.subscribers)
    err = raises(InvalidRequest, getattr(pub, op), target, email)
    assert (err.status, err.body) == (422, expected)  # D-1
    assert len(convertkit_mock.account.subscribers) == before


@pytest.mark.parametrize("path", ["/v3/forms/3001/subscribe", "/v3/sequences/4001/subscribe",
                                  "/v3/courses/4001/subscribe", "/v3/tags/1/subscribe"])
def test_subscribe_without_email_is_missing_parameter(convertkit_mock: Any, path: str) -> None:
    r = convertkit_mock.http.post(path, json={"api_key": convertkit_mock.api_key,
                                              "first_name": "Nobody"})
    assert (r.status_code, r.json()) == (422, MISSING_EMAIL)
    r = convertkit_mock.http.post(path, json={"api_key": convertkit_mock.api_key, "email": None})
    assert (r.status_code, r.json()) == (422, MISSING_EMAIL)


def test_subscribe_with_non_string_email_is_invalid(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe",
                                  json={"api_key": convertkit_mock.api_key, "email": 42})
    assert (r.status_code, r.json()) == (422, INVALID_EMAIL)


def test_list_form_subscriptions_pages_active_subscribers(convertkit_mock: Any,
                                                          ck: Any) -> None:
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


def test_list_form_subscriptions_desc_and_cancelled(convertkit_mock: Any, ck: Any) -> None:
    desc = ck.list_form_subscriptions(3001, sort_order="desc")["subscriptions"]
    ids = [s["subscriber"]["id"] for s in desc]
    assert ids == sorted(ids, reverse=True)
    cancelled = ck.list_form_subscriptions(3001, subscriber_state="cancelled")
    n = subscription_count(convertkit_mock, "form", 3001, "cancelled")
    assert n > 0 and cancelled["total_subscriptions"] == n
    assert {s["subscriber"]["state"] for s in cancelled["subscriptions"]} == {"cancelled"}
    assert all(s["subscriber"]["id"] % 17 == 0 for s in cancelled["subscriptions"])


def test_page_past_the_end_is_empty_with_same_totals(ck: Any) -> None:
    first = ck.list_form_subscriptions(3001)
    past = ck.list_form_subscriptions(3001, page=first["total_pages"] + 3)
    assert past == {"total_subscriptions": first["total_subscriptions"],
                    "page": first["total_pages"] + 3, "total_pages": first["total_pages"],
                    "subscriptions": []}  # D-12


def test_list_subscriptions_of_empty_target(convertkit_mock: Any, ck: Any) -> None:
    tag = ck.create_tags("Empty")
    assert ck.list_tag_subscriptions(tag["id"]) == {
        "total_subscriptions": 0, "page": 1, "total_pages": 0, "subscriptions": []}


@pytest.mark.parametrize("path", ["/v3/forms/9999/subscriptions",
                                  "/v3/sequences/9999/subscriptions",
                                  "/v3/courses/9999/subscriptions", "/v3/tags/9999/subscriptions"])
def test_list_subscriptions_of_unknown_target_is_404(convertkit_mock: Any, path: str) -> None:
    r = convertkit_mock.http.get(path, params={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("params", [{"sort_order": "sideways"}, {"subscriber_state": "bounced"},
                                    {"page": "two"}, {"page": "0"}])
def test_list_subscriptions_bad_query_is_422(convertkit_mock: Any,
                                             params: dict[str, str]) -> None:
    r = convertkit_mock.http.get("/v3/forms/3001/subscriptions",
                                 params={"api_secret": convertkit_mock.api_secret, **params})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "Unprocessable Entity"
    assert next(iter(params)) in body["message"]


# ==========================================================================================
# Sequences (§5)
# ==========================================================================================
def test_list_sequences_under_legacy_key_courses(convertkit_mock: Any, pub: Any) -> None:
    courses = pub.list_sequences()["courses"]
    assert [(c["id"], c["name"], c["hold"], c["repeat"]) for c in courses] == [
        (4001, "Welcome series", False, False), (4002, "Onboarding course", True, False),
        (4003, "Evergreen tips", False, True)]
    assert set(courses[0]) == {"id", "name", "created_at", "hold", "repeat"}
    legacy = convertkit_mock.http.get("/v3/courses", params={"api_key": convertkit_mock.api_key})
    assert legacy.json() == {"courses": courses}


def test_sequence_subscribe(convertkit_mock: Any, pub: Any, ck: Any) -> None:
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


def test_sequence_subscribe_on_legacy_courses_path(convertkit_mock: Any, ck: Any) -> None:
    r = convertkit_mock.http.post("/v3/courses/4001/subscribe",
                                  json={"api_key": convertkit_mock.api_key,
                                        "email": "rickon@example.com"})
    assert r.status_code == 200
    assert r.json()["subscription"]["subscribable_type"] == "course"
    legacy = convertkit_mock.http.get("/v3/courses/4001/subscriptions", params={
        "api_secret": convertkit_mock.api_secret, "sort_order": "desc"}).json()
    assert legacy == ck.list_sequence_subscriptions(4001, sort_order="desc")
    assert legacy["subscriptions"][0]["subscriber"]["email_address"] == "rickon@example.com"


def test_sequence_subscribe_unknown_sequence_is_course_not_found(convertkit_mock: Any,
                                                                 pub: Any) -> None:
    err = raises(NotFound, pub.add_subscriber_to_sequence, 4999, "x@example.com")
    assert (err.status, err.body) == (404, COURSE_NOT_FOUND)
    r = convertkit_mock.http.post("/v3/courses/4999/subscribe",
                                  json={"api_key": convertkit_mock.api_key, "email": "x@e.com"})
    assert (r.status_code, r.json()) == (404, COURSE_NOT_FOUND)
    assert convertkit_mock.account.subscribers.by("email", "x@example.com") is None


def test_sequence_subscribe_reactivates_cancelled(ck: Any) -> None:
    email = ck.get_subscriber(34)["subscriber"]["email_address"]
    assert ck.add_subscriber_to_sequence(4001, email)["subscription"]["state"] == "active"
    assert ck.get_subscriber(34)["subscriber"]["state"] == "active"


# ==========================================================================================
# Tags (§6)
# ==========================================================================================
def test_list_tags(pub: Any) -> None:
    tags = pub.list_tags()["tags"]
    assert [(t["id"], t["name"]) for t in tags] == list(enumerate(TAG_NAMES, 1))
    assert set(tags[0]) == {"id", "name", "created_at"}
    assert tags[0]["created_at"] == "2024-01-02T09:00:00.000Z"


def test_create_one_tag(convertkit_mock: Any, pub: Any, frozen: Any) -> None:
    tag = pub.create_tags("House Stark")
    assert convertkit_mock.last_status == 201  # D-2
    assert tag == {"id": 6, "name": "House Stark", "created_at": T0_ISO, "account_id": 1001,
                   "state": "available", "updated_at": T0_ISO, "deleted_at": None}
    assert pub.list_tags()["tags"][-1] == {"id": 6, "name": "House Stark", "created_at": T0_ISO}


def test_create_several_tags_in_request_order(convertkit_mock: Any, ck: Any) -> None:
    tags = ck.create_tags(["House Stark", "House Lannister"])
    assert convertkit_mock.last_status == 201
    assert [(t["id"], t["name"]) for t in tags] == [(6, "House Stark"), (7, "House Lannister")]
    one = ck.create_tags(["Solo"])
    assert isinstance(one, list) and [t["name"] for t in one] == ["Solo"]


@pytest.mark.parametrize("names,expected", [
    ("Customer", NAME_TAKEN), ("  customer  ", NAME_TAKEN), (["New", "VIP"], NAME_TAKEN),
    (["Twin", "twin"], NAME_TAKEN), ("", NAME_BLANK), ("   ", NAME_BLANK),
    (["Fine", ""], NAME_BLANK)])
def test_create_tags_rejects_duplicates_and_blanks_atomically(pub: Any, names: Any,
                                                              expected: dict[str, str]) -> None:
    err = raises(InvalidRequest, pub.create_tags, names)
    assert (err.status, err.body) == (422, expected)  # D-3
    assert [t["name"] for t in pub.list_tags()["tags"]] == TAG_NAMES  # nothing created


@pytest.mark.parametrize("body", [{}, {"tag": "Customer"}, {"tag": []}, {"tag": {"title": "x"}},
                                  {"tag": {"name": 7}}])
def test_create_tags_bad_shape_is_422(convertkit_mock: Any, body: dict[str, Any]) -> None:
    r = convertkit_mock.http.post("/v3/tags", json={"api_key": convertkit_mock.api_key, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and r.json()["message"]
    assert len(convertkit_mock.account.tags) == 5


def test_tag_subscriber_creates_unknown_email(convertkit_mock: Any, pub: Any, ck: Any) -> None:
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


def test_tag_subscriber_unknown_tag_is_tag_not_found(convertkit_mock: Any, pub: Any) -> None:
    err = raises(NotFound, pub.tag_subscriber, 99, "x@example.com")
    assert (err.status, err.body) == (404, TAG_NOT_FOUND)
    assert convertkit_mock.account.subscribers.by("email", "x@example.com") is None


def test_tagging_resubscribes_a_cancelled_subscriber(ck: Any) -> None:
    cancelled = ck.get_subscriber(51)["subscriber"]  # 51 = 3 * 17
    assert cancelled["state"] == "cancelled"
    email = cancelled["email_address"]
    assert ck.tag_subscriber(5, email)["subscription"]["state"] == "active"
    assert ck.get_subscriber(51)["subscriber"]["state"] == "active"  # §16, D-6


def test_remove_tag_from_subscriber_by_id(convertkit_mock: Any, ck: Any) -> None:
    sid = ck.tag_subscriber(3, "tagged@example.com")["subscription"]["subscriber"]["id"]
    before = ck.list_tag_subscriptions(3)["total_subscriptions"]
    removed = ck.remove_tag_from_subscriber(sid, 3)
    assert convertkit_mock.last_status == 200
    assert removed == {"id": 3, "name": "Newsletter", "created_at": "2024-01-02T09:00:00.000Z"}
    assert ck.list_subscriber_tags(sid) == {"tags": []}
    assert ck.list_tag_subscriptions(3)["total_subscriptions"] == before - 1


@pytest.mark.parametrize("sid,tid", [(99999, 1), (1, 99)])
def test_remove_tag_unknown_subscriber_or_tag_is_404(ck: Any, sid: int, tid: int) -> None:
    before = ck.list_tag_subscriptions(1)["total_subscriptions"]
    err = raises(NotFound, ck.remove_tag_from_subscriber, sid, tid)
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert ck.list_tag_subscriptions(1)["total_subscriptions"] == before


def test_remove_tag_by_email(convertkit_mock: Any, ck: Any) -> None:
    sid = ck.tag_subscriber(2, "lead@example.com")["subscription"]["subscriber"]["id"]
    ck.tag_subscriber(4, "lead@example.com")
    tag = ck.remove_tag_from_subscriber_by_email(2, "LEAD@example.com")
    assert convertkit_mock.last_status == 200  # D-2
    assert tag == {"id": 2, "name": "Lead", "created_at": "2024-01-02T09:00:00.000Z"}
    assert [t["id"] for t in ck.list_subscriber_tags(sid)["tags"]] == [4]


@pytest.mark.parametrize("email", ["stranger@example.com", "not an email at all", ""])
def test_remove_tag_by_email_of_non_subscriber_succeeds_silently(ck: Any, email: str) -> None:
    before = ck.list_tag_subscriptions(2)["total_subscriptions"]
    tag = ck.remove_tag_from_subscriber_by_email(2, email)
    assert tag == {"id": 2, "name": "Lead", "created_at": "2024-01-02T09:00:00.000Z"}
    assert ck.list_tag_subscriptions(2)["total_subscriptions"] == before
    assert ck.list_subscribers(email_address=email)["total_subscribers"] == 0


def test_remove_tag_by_email_unknown_tag_is_404_and_missing_email_422(convertkit_mock: Any,
                                                                      ck: Any) -> None:
    err = raises(NotFound, ck.remove_tag_from_subscriber_by_email, 99, "x@example.com")
    assert (err.status, err.body) == (404, NOT_FOUND)
    before = ck.list_tag_subscriptions(2)["total_subscriptions"]
    r = convertkit_mock.http.post("/v3/tags/2/unsubscribe",
                                  json={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (422, MISSING_EMAIL)  # §14: tag-unsubscribe too
    assert ck.list_tag_subscriptions(2)["total_subscriptions"] == before


def test_list_tag_subscriptions(convertkit_mock: Any, ck: Any) -> None:
    n = subscription_count(convertkit_mock, "tag", 1)
    body = ck.list_tag_subscriptions(1)
    assert body["total_subscriptions"] == n and body["page"] == 1
    assert {(s["subscribable_type"], s["subscribable_id"]) for s in body["subscriptions"]} == {
        ("tag", 1)}
    assert all(s["subscriber"]["state"] == "active" for s in body["subscriptions"])


# ==========================================================================================
# Subscribers (§7)
# ==========================================================================================
def test_list_subscribers_default_is_non_cancelled_oldest_first(convertkit_mock: Any,
                                                               ck: Any) -> None:
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


def test_list_subscribers_last_page_and_past_it(ck: Any) -> None:
    last = ck.list_subscribers(page=6)
    assert len(last["subscribers"]) == LIVE - 250
    assert last["subscribers"][-1]["id"] == 300
    past = ck.list_subscribers(page=9)
    assert past == {"total_subscribers": LIVE, "page": 9, "total_pages": 6, "subscribers": []}


def test_list_subscribers_desc(ck: Any) -> None:
    subs = ck.list_subscribers(sort_order="desc")["subscribers"]
    assert [s["id"] for s in subs[:3]] == [300, 299, 298]


def test_iter_subscribers_walks_every_page(convertkit_mock: Any, ck: Any) -> None:
    ids = [s["id"] for s in ck.iter_subscribers()]
    assert len(ids) == LIVE and len(set(ids)) == LIVE
    assert not [i for i in ids if i % 17 == 0]
    assert len(convertkit_mock.journal.entries(kind="request")) == 6


def test_list_cancelled_subscribers_with_sort_field(ck: Any) -> None:
    page = ck.list_subscribers(sort_field="cancelled_at")
    assert page["total_subscribers"] == CANCELLED
    assert [s["id"] for s in page["subscribers"]] == [17 * i for i in range(1, 18)]
    assert {s["state"] for s in page["subscribers"]} == {"cancelled"}
    desc = ck.list_subscribers(sort_field="cancelled_at", sort_order="desc")
    assert desc["subscribers"][0]["id"] == 289


def test_list_subscribers_by_email_address_any_state(ck: Any) -> None:
    cancelled = ck.get_subscriber(17)["subscriber"]
    found = ck.list_subscribers(email_address=cancelled["email_address"].upper())
    assert found == {"total_subscribers": 1, "page": 1, "total_pages": 1,
                     "subscribers": [cancelled]}


@pytest.mark.parametrize("email", ["nobody@example.com", "not-an-email", "%"])
def test_list_subscribers_by_unknown_email_is_empty(ck: Any, email: str) -> None:
    assert ck.list_subscribers(email_address=email) == {
        "total_subscribers": 0, "page": 1, "total_pages": 0, "subscribers": []}


def test_list_subscribers_created_between_dates(ck: Any) -> None:
    # subscriber i was created at 2024-01-02T09:00Z + i hours: 2024-01-03 holds i = 15..38
    page = ck.list_subscribers(from_="2024-01-03", to="2024-01-03")
    ids = [s["id"] for s in page["subscribers"]]
    assert ids == [i for i in range(15, 39) if i not in (17, 34)]
    assert page["total_subscribers"] == 22
    iso = ck.list_subscribers(from_="2024-01-02T12:00:00Z", to="2024-01-02T14:00:00Z")
    assert [s["id"] for s in iso["subscribers"]] == [3, 4, 5]
    assert ck.list_subscribers(from_="2030-01-01")["total_subscribers"] == 0


def test_list_subscribers_updated_between(convertkit_mock: Any, ck: Any, frozen: Any) -> None:
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
def test_list_subscribers_bad_filters_are_422(convertkit_mock: Any,
                                              params: dict[str, str]) -> None:
    r = convertkit_mock.http.get("/v3/subscribers",
                                 params={"api_secret": convertkit_mock.api_secret, **params})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity"
    assert next(iter(params)) in r.json()["message"]


def test_get_subscriber_has_every_field_key(ck: Any) -> None:
    s = ck.get_subscriber(29)["subscriber"]
    assert s["id"] == 29 and s["state"] == "inactive"
    assert s["created_at"] == "2024-01-03T14:00:00.000Z"
    assert list(s["fields"]) == FIELD_KEYS
    assert all(v is None or isinstance(v, str) for v in s["fields"].values())


@pytest.mark.parametrize("sid", ["99999", "0", "abc"])
def test_get_unknown_subscriber_is_404(convertkit_mock: Any, sid: str) -> None:
    r = convertkit_mock.http.get(f"/v3/subscribers/{sid}",
                                 params={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


def test_update_subscriber(convertkit_mock: Any, ck: Any) -> None:
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


def test_update_subscriber_without_attributes_is_a_noop(convertkit_mock: Any, ck: Any) -> None:
    old = ck.get_subscriber(4)
    assert ck.update_subscriber(4) == old
    r = convertkit_mock.http.put("/v3/subscribers/4",
                                 params={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (200, old)
    assert ck.get_subscriber(4) == old


def test_update_subscriber_unknown_is_404(ck: Any) -> None:
    err = raises(NotFound, ck.update_subscriber, 99999, first_name="X")
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_update_subscriber_invalid_or_taken_email_is_422(ck: Any) -> None:
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


def test_update_subscriber_wrong_types_are_422(convertkit_mock: Any, ck: Any) -> None:
    old = ck.get_subscriber(6)
    for body in ({"first_name": 5}, {"fields": ["a"]}, {"fields": {"company": {"x": 1}}}):
        r = convertkit_mock.http.put("/v3/subscribers/6",
                                     json={"api_secret": convertkit_mock.api_secret, **body})
        assert r.status_code == 422, body
        assert r.json()["error"] == "Unprocessable Entity"
    assert ck.get_subscriber(6) == old


def test_unsubscribe(convertkit_mock: Any, ck: Any) -> None:
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
def test_unsubscribe_unknown_email_is_404(ck: Any, email: str) -> None:
    err = raises(NotFound, ck.unsubscribe_subscriber, email)
    assert (err.status, err.body) == (404, NOT_FOUND)
    assert ck.list_subscribers(sort_field="cancelled_at")["total_subscribers"] == CANCELLED


def test_unsubscribe_without_email_is_422(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.put("/v3/unsubscribe",
                                 json={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 422 and r.json()["error"] == "Unprocessable Entity"


def test_list_subscriber_tags(pub: Any, ck: Any) -> None:
    sid = ck.tag_subscriber(5, "t@example.com", tags=[2])["subscription"]["subscriber"]["id"]
    tags = pub.list_subscriber_tags(sid)["tags"]
    assert sorted((t["id"], t["name"]) for t in tags) == [(2, "Lead"), (5, "Webinar 2026")]
    assert all(set(t) == {"id", "name", "created_at"} for t in tags)
    plain = ck.add_subscriber_to_form(3001, "plain@example.com")["subscription"]
    assert pub.list_subscriber_tags(plain["subscriber"]["id"]) == {"tags": []}
    err = raises(NotFound, pub.list_subscriber_tags, 99999)
    assert (err.status, err.body) == (404, NOT_FOUND)


# ==========================================================================================
# Custom fields (§9, §12)
# ==========================================================================================
def test_list_custom_fields(pub: Any) -> None:
    fields = pub.list_custom_fields()["custom_fields"]
    assert fields == [
        {"id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Last Name"},
        {"id": 2, "name": "ck_field_2_company", "key": "company", "label": "Company"},
        {"id": 3, "name": "ck_field_3_phone_number", "key": "phone_number",
         "label": "Phone Number"},
        {"id": 4, "name": "ck_field_4_favourite_colour", "key": "favourite_colour",
         "label": "Favourite Colour"}]


def test_create_one_custom_field_201_with_location(convertkit_mock: Any, ck: Any) -> None:
    r = convertkit_mock.http.post("/v3/custom_fields", json={
        "api_secret": convertkit_mock.api_secret, "label": "  Occupation  "})
    assert r.status_code == 201
    assert r.headers["location"] == "/v3/custom_fields"
    assert r.json() == {"id": 5, "name": "ck_field_5_occupation", "key": "occupation",
                        "label": "Occupation"}
    # a new field appears on every subscriber, null until set (D-10)
    assert ck.get_subscriber(1)["subscriber"]["fields"]["occupation"] is None


def test_create_custom_fields_array_and_one_element_array(convertkit_mock: Any, ck: Any) -> None:
    made = ck.create_custom_fields(["Job Title", "Café Owner", "Last-Name!"])
    assert convertkit_mock.last_status == 201
    assert [(f["id"], f["key"], f["label"], f["name"]) for f in made] == [
        (5, "job_title", "Job Title", "ck_field_5_job_title"),
        (6, "cafe_owner", "Café Owner", "ck_field_6_cafe_owner"),
        (7, "last_name_2", "Last-Name!", "ck_field_7_last_name_2")]  # key stays unique
    single = ck.create_custom_fields(["Birthday"])
    assert single == {"id": 8, "name": "ck_field_8_birthday", "key": "birthday",
                      "label": "Birthday"}  # one-element array -> one object (§9)


@pytest.mark.parametrize("label,expected", [
    ("Company", LABEL_TAKEN), ("company ", LABEL_TAKEN), (["Fresh", "Last Name"], LABEL_TAKEN),
    (["Dup", "DUP"], LABEL_TAKEN), ("", LABEL_BLANK), (["Fresh", "  "], LABEL_BLANK)])
def test_create_custom_fields_rejects_duplicates_and_blanks(ck: Any, label: Any,
                                                            expected: dict[str, str]) -> None:
    err = raises(InvalidRequest, ck.create_custom_fields, label)
    assert (err.status, err.body) == (422, expected)
    assert [f["key"] for f in ck.list_custom_fields()["custom_fields"]] == FIELD_KEYS


def test_create_custom_fields_wrong_types_are_422(convertkit_mock: Any) -> None:
    for body in ({}, {"label": 5}, {"label": []}, {"label": [1, 2]}):
        r = convertkit_mock.http.post("/v3/custom_fields",
                                      json={"api_secret": convertkit_mock.api_secret, **body})
        assert r.status_code == 422, body
        assert r.json()["error"] == "Unprocessable Entity"
    assert len(convertkit_mock.account.fields) == 4


def test_rename_custom_field_keeps_key_and_name(convertkit_mock: Any, ck: Any) -> None:
    value = ck.get_subscriber(1)["subscriber"]["fields"]["last_name"]
    assert ck.update_custom_field(1, "Surname") is None
    assert convertkit_mock.last_status == 204
    assert ck.list_custom_fields()["custom_fields"][0] == {
        "id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Surname"}
    assert ck.get_subscriber(1)["subscriber"]["fields"]["last_name"] == value


@pytest.mark.parametrize("label,expected", [("Company", LABEL_TAKEN), ("  ", LABEL_BLANK)])
def test_rename_custom_field_to_taken_or_blank_label(ck: Any, label: str,
                                                     expected: dict[str, str]) -> None:
    err = raises(InvalidRequest, ck.update_custom_field, 1, label)
    assert (err.status, err.body) == (422, expected)
    assert ck.list_custom_fields()["custom_fields"][0]["label"] == "Last Name"


def test_rename_custom_field_to_its_own_label_is_fine(ck: Any) -> None:
    assert ck.update_custom_field(2, "Company") is None
    assert ck.list_custom_fields()["custom_fields"][1]["label"] == "Company"


def test_rename_unknown_custom_field_is_404(ck: Any) -> None:
    err = raises(NotFound, ck.update_custom_field, 99, "Whatever")
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_delete_custom_field_drops_the_values(convertkit_mock: Any, ck: Any) -> None:
    assert ck.get_subscriber(1)["subscriber"]["fields"]["company"] is not None
    assert ck.delete_custom_field(2) is None
    assert convertkit_mock.last_status == 204
    assert [f["id"] for f in ck.list_custom_fields()["custom_fields"]] == [1, 3, 4]
    assert "company" not in ck.get_subscriber(1)["subscriber"]["fields"]
    # the label is free again, and a field made with it starts empty
    again = ck.create_custom_fields("Company")
    assert again["key"] == "company"
    assert ck.get_subscriber(1)["subscriber"]["fields"]["company"] is None
    err = raises(NotFound, ck.delete_custom_field, 2)
    assert (err.status, err.body) == (404, NOT_FOUND)


# ==========================================================================================
# Rate limit (§13, D-8)
# ==========================================================================================
def test_rate_limit_120_per_60s_plain_text_and_window_reset(convertkit_mock: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    for i in range(120):
        assert http.get("/v3/account", params={"api_secret": secret}).status_code == 200, i
    r = http.get("/v3/account", params={"api_secret": secret})
    assert r.status_code == 429
    assert r.text == "Retry later"
    assert r.headers["content-type"].startswith("text/plain")
    assert "retry-after" not in r.headers
    assert not [h for h in r.headers if h.startswith("x-ratelimit") or h.startswith("ratelimit")]
    # limited before anything happens: a write is refused and changes nothing
    r = http.post("/v3/tags", json={"api_secret": secret, "tag": {"name": "Late"}})
    assert r.status_code == 429
    assert convertkit_mock.account.tags.by("name", "late") is None
    # the limit is per credential: the public key still has its own budget
    assert http.get("/v3/forms", params={"api_key": convertkit_mock.api_key}).status_code == 200
    convertkit_mock.clock.advance(59)
    assert http.get("/v3/account", params={"api_secret": secret}).status_code == 429
    convertkit_mock.clock.advance(1)
    assert http.get("/v3/account", params={"api_secret": secret}).status_code == 200


def test_rate_limit_window_is_rolling(convertkit_mock: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    http, key = convertkit_mock.http, convertkit_mock.api_key
    for _ in range(60):
        http.get("/v3/tags", params={"api_key": key})
    convertkit_mock.clock.advance(30)
    for _ in range(60):
        assert http.get("/v3/tags", params={"api_key": key}).status_code == 200
    assert http.get("/v3/tags", params={"api_key": key}).status_code == 429
    convertkit_mock.clock.advance(30)  # the first 60 leave the window, the last 60 stay
    for _ in range(60):
        assert http.get("/v3/tags", params={"api_key": key}).status_code == 200
    assert http.get("/v3/tags", params={"api_key": key}).status_code == 429


def test_client_gives_up_with_rate_limited_error(convertkit_mock: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    waits: list[float] = []
    ck = convertkit_mock.client(sleep=waits.append)
    for _ in range(120):
        ck.list_tags()
    err = raises(RateLimited, ck.list_tags)
    assert (err.status, err.body) == (429, "Retry later")
    assert len(waits) == 3  # retried (no Retry-After to honour), then gave up


def test_second_tenant_has_its_own_budget(convertkit_mock: Any) -> None:
    convertkit_mock.clock.freeze(T0)
    http = convertkit_mock.http
    for _ in range(121):
        http.get("/v3/account", params={"api_secret": convertkit_mock.api_secret})
    r = http.get("/v3/account", params={"api_secret": OTHER_SECRET})
    assert r.status_code == 200 and r.json()["name"] == "Other Co"


# ==========================================================================================
# Bad input, unknown routes (§14)
# ==========================================================================================
@pytest.mark.parametrize("raw", [b"{bad json", b'{"email": "a@b.co",}', b"[1, 2", b"\xff\xfe"])
def test_malformed_json_is_400(convertkit_mock: Any, raw: bytes) -> None:
    before = len(convertkit_mock.account.subscribers)
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", content=raw,
                                  params={"api_key": convertkit_mock.api_key},
                                  headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, MALFORMED)
    assert len(convertkit_mock.account.subscribers) == before


def test_huge_body_is_413(convertkit_mock: Any) -> None:
    body = orjson.dumps({"api_key": convertkit_mock.api_key, "email": "big@example.com",
                         "first_name": "x" * (1 << 20)})
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", content=body,
                                  headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (413, TOO_LARGE)
    assert convertkit_mock.account.subscribers.by("email", "big@example.com") is None


def test_body_just_under_the_limit_is_accepted(convertkit_mock: Any) -> None:
    body = orjson.dumps({"api_key": convertkit_mock.api_key, "email": "big@example.com",
                         "first_name": "x" * ((1 << 20) - 200)})
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", content=body,
                                  headers={"content-type": "application/json"})
    assert r.status_code == 200


def test_deeply_nested_json_never_breaks_the_server(convertkit_mock: Any, ck: Any) -> None:
    http = convertkit_mock.http
    too_deep = b'{"api_key": "%s", "email": "d@example.com", "junk": ' % (
        convertkit_mock.api_key.encode()) + b"[" * 5000 + b"]" * 5000 + b"}"
    r = http.post("/v3/forms/3001/subscribe", content=too_deep,
                  headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, MALFORMED)
    nested: Any = "leaf"
    for _ in range(200):
        nested = {"a": nested}
    r = http.post("/v3/forms/3001/subscribe", json={"api_key": convertkit_mock.api_key,
                                                   "email": "d@example.com",
                                                   "fields": {"company": nested}})
    assert r.status_code == 422 and r.json()["error"] == "Unprocessable Entity"
    assert ck.list_subscribers(email_address="d@example.com")["total_subscribers"] == 0
    # unknown keys are ignored, however deep (Rails params)
    r = http.post("/v3/forms/3001/subscribe", json={"api_key": convertkit_mock.api_key,
                                                   "email": "d@example.com", "junk": nested})
    assert r.status_code == 200


@pytest.mark.parametrize("body,word", [
    ({"email": "w@example.com", "tags": "1"}, "tags"),
    ({"email": "w@example.com", "tags": [0]}, "tags"),
    ({"email": "w@example.com", "first_name": ["Jon"]}, "first_name"),
    ({"email": "w@example.com", "fields": "last_name=Snow"}, "fields"),
    ({"email": "w@example.com", "courses": ["x"]}, "courses")])
def test_wrong_types_on_subscribe_are_vendor_422(convertkit_mock: Any, body: dict[str, Any],
                                                 word: str) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe",
                                  json={"api_key": convertkit_mock.api_key, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity"
    assert word in r.json()["message"]
    assert convertkit_mock.account.subscribers.by("email", "w@example.com") is None


def test_json_body_that_is_not_an_object_is_422(convertkit_mock: Any) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", params={
        "api_key": convertkit_mock.api_key}, json=["a@b.co"])
    assert r.status_code == 422 and r.json()["error"] == "Unprocessable Entity"


@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/invalid-resource-type"), ("GET", "/v3"), ("GET", "/v4/subscribers"),
    ("POST", "/v3/subscribers"), ("PATCH", "/v3/subscribers/1"), ("DELETE", "/v3/tags/1"),
    ("PUT", "/v3/purchases/1"), ("GET", "/v3/forms/3001")])
def test_unknown_routes_and_methods_are_404(convertkit_mock: Any, method: str,
                                            path: str) -> None:
    r = convertkit_mock.http.request(method, path,
                                     params={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 404
    assert r.json() == NOT_FOUND
    assert r.headers["content-type"] == JSON_TYPE
    assert len(convertkit_mock.account.tags) == 5


def test_every_response_in_this_module_was_on_contract(convertkit_mock: Any, ck: Any) -> None:
    """Strict mode raises on a violation; make sure it is actually on."""
    assert convertkit_mock.app.strict is True
    ck.get_account()
    assert convertkit_mock.app.violations == []


# -- the plan's subscriber limit (assumption M) -------------------------------------------------
def test_subscribe_beyond_the_plan_limit_is_403_and_stores_nothing(convertkit_mock: Any) -> None:
    other = convertkit_mock.world.accounts[1002]  # subscriber_limit 6, 5 generated
    http = convertkit_mock.http
    body = {"api_key": OTHER_KEY, "email": "sixth@other.test"}
    assert http.post("/v3/forms/3101/subscribe", json=body).status_code == 200
    over = http.post("/v3/forms/3101/subscribe", json={**body, "email": "seventh@other.test"})
    assert over.status_code == 403
    assert over.json() == {"error": "Forbidden",
                           "message": "This account has reached its plan's subscriber limit"}
    assert other.subscribers.by("email", "seventh@other.test") is None
    again = http.post("/v3/forms/3101/subscribe", json={**body, "first_name": "Six"})
    assert again.status_code == 200  # a known address is still found and updated
    assert other.subscribers.by("email", "sixth@other.test").first_name == "Six"
