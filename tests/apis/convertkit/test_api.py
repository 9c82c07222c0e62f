"""The ConvertKit Api's hooks: credentials (§1.1, §14), Rails-style parameters (§1.2, assumption
K), tenants, the rate limit (§13, D-8), bad input and unknown routes (§14, assumptions A, B).
References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from support import raises

from mailmocks.clients.base import RateLimited
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
NOT_PRESENT = {"error": "Authorization Failed", "message": "API Key not present"}
NOT_VALID = {"error": "Authorization Failed", "message": "API Key not valid"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}
MALFORMED = {"error": "Bad Request", "message": "The request body is not valid JSON"}
TOO_LARGE = {"error": "Payload Too Large", "message": "The request body is too large"}
JSON_TYPE = "application/json; charset=utf-8"
FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]
OTHER_SECRET = "ck_sec_OtherCo00000000000000000000"
OTHER_KEY = "ck_pub_OtherCo0000000000"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


# ==========================================================================================
# Credentials (§1.1, §14) and where parameters go (§1.2)
# ==========================================================================================
@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/account"), ("GET", "/v3/forms"), ("GET", "/v3/subscribers"),
    ("POST", "/v3/forms/3001/subscribe"), ("PUT", "/v3/unsubscribe"),
    ("DELETE", "/v3/broadcasts/1"), ("GET", "/v3/tags"),
])
def test_missing_credential_is_401_not_present(convertkit_mock: ConvertKitMock, method: str,
                                               path: str) -> None:
    body = {"email": "nobody@example.com"} if method in ("POST", "PUT") else None
    r = convertkit_mock.http.request(method, path, json=body)
    assert r.status_code == 401
    assert r.json() == NOT_PRESENT
    assert convertkit_mock.account.subscribers.by("email", "nobody@example.com") is None
    assert 1 in convertkit_mock.account.broadcasts


def test_blank_credential_counts_as_missing(convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.get("/v3/forms", params={"api_key": ""})
    assert (r.status_code, r.json()) == (401, NOT_PRESENT)


@pytest.mark.parametrize("param", ["api_key", "api_secret"])
def test_unknown_credential_is_401_not_valid(convertkit_mock: ConvertKitMock, param: str) -> None:
    r = convertkit_mock.http.get("/v3/forms", params={param: "ck_nope"})
    assert (r.status_code, r.json()) == (401, NOT_VALID)


@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/subscribers"), ("GET", "/v3/subscribers/1"), ("GET", "/v3/purchases"),
    ("GET", "/v3/purchases/1"), ("GET", "/v3/broadcasts"), ("GET", "/v3/automations/hooks"),
    ("GET", "/v3/forms/3001/subscriptions"), ("GET", "/v3/tags/1/subscriptions"),
    ("POST", "/v3/custom_fields"), ("PUT", "/v3/unsubscribe"), ("POST", "/v3/tags/1/unsubscribe"),
    ("DELETE", "/v3/subscribers/1/tags/1"),
])
def test_public_key_on_secret_only_endpoint_is_401(convertkit_mock: ConvertKitMock, method: str,
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
def test_api_key_endpoints_accept_either_credential(convertkit_mock: ConvertKitMock,
                                                    path: str) -> None:
    by_key = convertkit_mock.http.get(path, params={"api_key": convertkit_mock.api_key})
    by_secret = convertkit_mock.http.get(path, params={"api_secret": convertkit_mock.api_secret})
    assert by_key.status_code == by_secret.status_code == 200
    assert by_key.json() == by_secret.json()


def test_credential_in_query_or_in_json_body_on_post(convertkit_mock: ConvertKitMock) -> None:
    http = convertkit_mock.http
    r1 = http.post("/v3/tags/1/subscribe", params={"api_key": convertkit_mock.api_key},
                   json={"email": "query@example.com"})
    r2 = http.post("/v3/tags/1/subscribe",
                   json={"api_key": convertkit_mock.api_key, "email": "body@example.com"})
    assert r1.status_code == r2.status_code == 200
    assert r1.json()["subscription"]["subscribable_id"] == 1
    assert r2.json()["subscription"]["subscribable_id"] == 1


def test_credential_in_json_body_on_delete(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    """The docs send DELETE credentials as a JSON body (§1.2)."""
    r = convertkit_mock.http.request("DELETE", "/v3/custom_fields/4",
                                     json={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 204 and r.content == b""
    assert [f["key"] for f in ck.list_custom_fields()["custom_fields"]] == FIELD_KEYS[:3]


def test_post_parameters_may_all_come_from_the_query_string(convertkit_mock: ConvertKitMock,
                                                            ck: ConvertKit) -> None:
    """The Ruby gem sends every parameter in the query string (§1.2)."""
    r = convertkit_mock.http.post("/v3/custom_fields", params={
        "api_secret": convertkit_mock.api_secret, "label": "Occupation"})
    assert r.status_code == 201
    assert r.json()["key"] == "occupation"
    assert ck.list_custom_fields()["custom_fields"][-1]["label"] == "Occupation"


def test_query_string_wins_over_json_body(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
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


def test_bad_credential_in_query_is_not_rescued_by_good_one_in_body(
        convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.post("/v3/tags", params={"api_secret": "ck_wrong"},
                                  json={"api_secret": convertkit_mock.api_secret,
                                        "tag": {"name": "Sneaky"}})
    assert (r.status_code, r.json()) == (401, NOT_VALID)
    assert convertkit_mock.account.tags.by("name", "sneaky") is None


def test_tenants_never_see_each_other(convertkit_mock: ConvertKitMock) -> None:
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
# Rate limit (§13, D-8)
# ==========================================================================================
def test_rate_limit_120_per_60s_plain_text_and_window_reset(
        convertkit_mock: ConvertKitMock) -> None:
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


def test_rate_limit_window_is_rolling(convertkit_mock: ConvertKitMock) -> None:
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


def test_client_gives_up_with_rate_limited_error(convertkit_mock: ConvertKitMock) -> None:
    convertkit_mock.clock.freeze(T0)
    waits: list[float] = []
    ck = convertkit_mock.client(sleep=waits.append)
    for _ in range(120):
        ck.list_tags()
    err = raises(RateLimited, ck.list_tags)
    assert (err.status, err.body) == (429, "Retry later")
    assert len(waits) == 3  # retried (no Retry-After to honour), then gave up


def test_second_tenant_has_its_own_budget(convertkit_mock: ConvertKitMock) -> None:
    convertkit_mock.clock.freeze(T0)
    http = convertkit_mock.http
    for _ in range(121):
        http.get("/v3/account", params={"api_secret": convertkit_mock.api_secret})
    r = http.get("/v3/account", params={"api_secret": OTHER_SECRET})
    assert r.status_code == 200 and r.json()["name"] == "Other Co"


# ==========================================================================================
# Bad input, unknown routes (§14, assumptions A and B)
# ==========================================================================================
@pytest.mark.parametrize("raw", [b"{bad json", b'{"email": "a@b.co",}', b"[1, 2", b"\xff\xfe"])
def test_malformed_json_is_400(convertkit_mock: ConvertKitMock, raw: bytes) -> None:
    before = len(convertkit_mock.account.subscribers)
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", content=raw,
                                  params={"api_key": convertkit_mock.api_key},
                                  headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, MALFORMED)
    assert len(convertkit_mock.account.subscribers) == before


def test_huge_body_is_413(convertkit_mock: ConvertKitMock) -> None:
    body = orjson.dumps({"api_key": convertkit_mock.api_key, "email": "big@example.com",
                         "first_name": "x" * (1 << 20)})
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", content=body,
                                  headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (413, TOO_LARGE)
    assert convertkit_mock.account.subscribers.by("email", "big@example.com") is None


def test_body_just_under_the_limit_is_accepted(convertkit_mock: ConvertKitMock) -> None:
    body = orjson.dumps({"api_key": convertkit_mock.api_key, "email": "big@example.com",
                         "first_name": "x" * ((1 << 20) - 200)})
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", content=body,
                                  headers={"content-type": "application/json"})
    assert r.status_code == 200


def test_deeply_nested_json_never_breaks_the_server(convertkit_mock: ConvertKitMock,
                                                    ck: ConvertKit) -> None:
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
    ({"email": "w@example.com", "tags": "one"}, "tags"),
    ({"email": "w@example.com", "tags": [0]}, "tags"),
    ({"email": "w@example.com", "first_name": ["Jon"]}, "first_name"),
    ({"email": "w@example.com", "fields": "last_name=Snow"}, "fields"),
    ({"email": "w@example.com", "courses": ["x"]}, "courses")])
def test_wrong_types_on_subscribe_are_vendor_422(convertkit_mock: ConvertKitMock,
                                                 body: dict[str, Any], word: str) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe",
                                  json={"api_key": convertkit_mock.api_key, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity"
    assert word in r.json()["message"]
    assert convertkit_mock.account.subscribers.by("email", "w@example.com") is None


def test_json_body_that_is_not_an_object_is_422(convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe", params={
        "api_key": convertkit_mock.api_key}, json=["a@b.co"])
    assert r.status_code == 422 and r.json()["error"] == "Unprocessable Entity"


@pytest.mark.parametrize("method,path", [
    ("GET", "/v3/invalid-resource-type"), ("GET", "/v3"), ("GET", "/v4/subscribers"),
    ("POST", "/v3/subscribers"), ("PATCH", "/v3/subscribers/1"), ("DELETE", "/v3/tags/1"),
    ("PUT", "/v3/purchases/1"), ("GET", "/v3/forms/3001")])
def test_unknown_routes_and_methods_are_404(convertkit_mock: ConvertKitMock, method: str,
                                            path: str) -> None:
    r = convertkit_mock.http.request(method, path,
                                     params={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 404
    assert r.json() == NOT_FOUND
    assert r.headers["content-type"] == JSON_TYPE
    assert len(convertkit_mock.account.tags) == 5


def test_every_response_in_this_module_was_on_contract(convertkit_mock: ConvertKitMock,
                                                       ck: ConvertKit) -> None:
    """Strict mode raises on a violation; make sure it is actually on."""
    assert convertkit_mock.app.strict is True
    ck.get_account()
    assert convertkit_mock.app.violations == []
