"""The Api's hooks (apis/parcelvoy/__init__.py): the auth precedence of the platform's
middleware, row by row, body parsing, and the wording of the first validation error.

401 > 404 (project, JSON) > 403 (scope) > 403 (role) > 404 (entity, text) > 422 > success
(docs/vendors/parcelvoy.md §1.2, §1.4, §4.1). Unknown routes and wrong methods answer before
any auth; bad JSON answers before it too, a text body after it (§2.1).
"""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

UNAUTHORIZED = {"status": "error", "error": "Authorization error.", "code": 1000}
NO_PROJECT = {"status": "error", "error": "The requested project does not exist.", "code": 6000}
DENIED = {"status": "error", "error": "Access denied.", "code": 1007}
EDITOR = {"status": "error", "error": "Minimum project role editor is required"}
ADMIN = {"status": "error", "error": "Minimum project role admin is required"}
MISSING_EVENT = {"status": "error", "error": "Must have required property 'event'"}
GENERIC = {"status": "error", "error": "An error occurred with this request."}
REVOKED = "sk_deadbeef0000-4000-8000-000000000000"
OTHER_PROJECT_CAMPAIGN = 90
VALID = {"user": {"external_id": "u1", "email": "u1@example.com"}, "event": {}}
INVALID = {"user": {"external_id": "u1"}}  # no event


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def keys(mock: ParcelvoyMock) -> dict[str, dict[str, str]]:
    return {"none": {}, "basic": {"Authorization": f"Basic {mock.secret_key}"},
            "lowercase": {"Authorization": f"bearer {mock.secret_key}"},
            "jwt": auth("eyJhbGciOiJIUzI1NiJ9.e30.junk"), "empty": {"Authorization": "Bearer "},
            "unknown": auth("sk_not-a-key"), "unknown_pk": auth("pk_not-a-key"),
            "revoked": auth(REVOKED), "public": auth(mock.public_key),
            "support": auth(mock.support_key), "editor": auth(mock.secret_key),
            "admin": auth(mock.admin_key)}


# (key, campaign id, body) -> (status, body); one row per line of the precedence table
TRIGGER_ROWS = [
    ("none", "44", VALID, 401, UNAUTHORIZED),
    ("basic", "44", VALID, 401, UNAUTHORIZED),
    ("lowercase", "44", VALID, 401, UNAUTHORIZED),
    ("jwt", "44", VALID, 401, UNAUTHORIZED),
    ("empty", "44", VALID, 401, UNAUTHORIZED),
    ("none", "999", INVALID, 401, UNAUTHORIZED),  # 401 beats everything after it
    ("unknown", "44", VALID, 404, NO_PROJECT),
    ("unknown_pk", "44", VALID, 404, NO_PROJECT),  # project before scope
    ("revoked", "999", INVALID, 404, NO_PROJECT),
    ("public", "44", VALID, 403, DENIED),
    ("public", "999", INVALID, 403, DENIED),  # scope before entity and body
    ("support", "44", VALID, 403, EDITOR),
    ("support", "999", INVALID, 403, EDITOR),  # role before entity and body
    ("editor", "999", VALID, 404, "Not Found"),
    ("editor", "999", INVALID, 404, "Not Found"),  # entity before body: 404, not 422
    ("editor", "abc", VALID, 404, "Not Found"),  # a non-numeric id finds nothing
    ("editor", str(OTHER_PROJECT_CAMPAIGN), VALID, 404, "Not Found"),  # another project's
    ("editor", "44", INVALID, 422, MISSING_EVENT),
    ("editor", "44", VALID, 200, {"success": True}),
    ("admin", "44", VALID, 200, {"success": True}),
]


@pytest.mark.parametrize(("key", "campaign", "body", "status", "expected"), TRIGGER_ROWS)
def test_trigger_precedence(parcelvoy_mock: ParcelvoyMock, key: str, campaign: str, body: Any,
                            status: int, expected: Any) -> None:
    r = parcelvoy_mock.http.post(f"/api/client/campaigns/{campaign}/trigger", json=body,
                                 headers=keys(parcelvoy_mock)[key])
    assert r.status_code == status
    if isinstance(expected, str):
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text == expected
    else:
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        assert r.json() == expected


def test_archived_campaign_is_not_found(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    assert pv.delete_campaign(47) is True
    r = parcelvoy_mock.http.get("/api/client/campaigns/47", headers=auth(parcelvoy_mock.secret_key))
    assert (r.status_code, r.text) == (404, "Not Found")


@pytest.mark.parametrize(("key", "status"), [
    ("none", 401), ("unknown", 404), ("revoked", 404), ("public", 204), ("support", 204),
    ("editor", 204)])
def test_ingestion_takes_any_scope_and_role(
        parcelvoy_mock: ParcelvoyMock, key: str, status: int) -> None:
    r = parcelvoy_mock.http.post("/api/client/identify", json={"external_id": "x"},
                                 headers=keys(parcelvoy_mock)[key])
    assert r.status_code == status
    if status == 204:
        assert r.content == b""


def test_ingestion_checks_auth_before_the_body(parcelvoy_mock: ParcelvoyMock) -> None:
    r = parcelvoy_mock.http.post("/api/client/events", json=[], headers={})
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    r = parcelvoy_mock.http.post("/api/client/events", json=[],
                                 headers=keys(parcelvoy_mock)["revoked"])
    assert (r.status_code, r.json()) == (404, NO_PROJECT)


@pytest.mark.parametrize(("method", "path", "need", "expected"), [
    ("GET", "/api/client/campaigns", "editor", EDITOR),
    ("PATCH", "/api/client/users", "editor", EDITOR),
    ("DELETE", "/api/client/users?user_id=ann", "editor", EDITOR),
    ("DELETE", "/api/client/users/ann", "editor", EDITOR),
    ("POST", "/api/client/journeys/1/trigger", "editor", EDITOR),
    ("POST", "/api/client/subscriptions", "admin", ADMIN),
    ("PATCH", "/api/client", "admin", ADMIN),
    ("GET", "/api/client/campaigns/44/users", "editor", EDITOR),
])
def test_role_minimums(parcelvoy_mock: ParcelvoyMock, method: str, path: str, need: str,
                       expected: dict[str, Any]) -> None:
    weaker = "support" if need == "editor" else "editor"
    r = parcelvoy_mock.http.request(method, path, json={},
                                    headers=keys(parcelvoy_mock)[weaker])
    assert (r.status_code, r.json()) == (403, expected)


@pytest.mark.parametrize("path", ["/api/client/users", "/api/client/templates",
                                  "/api/client/subscriptions", "/api/client/users/ann/events"])
def test_any_role_reads(parcelvoy_mock: ParcelvoyMock, path: str) -> None:
    headers = keys(parcelvoy_mock)
    assert parcelvoy_mock.http.get(path, headers=headers["support"]).status_code == 200
    r = parcelvoy_mock.http.get(path, headers=headers["public"])
    assert (r.status_code, r.json()) == (403, DENIED)


def test_the_access_token_cookie_is_read_without_a_bearer_header(
        parcelvoy_mock: ParcelvoyMock) -> None:
    http = parcelvoy_mock.http
    cookie = {"Cookie": f"access_token={parcelvoy_mock.secret_key}"}
    r = http.get("/api/client/users/ann", headers=cookie)
    assert (r.status_code, r.json()["external_id"]) == (200, "ann")


def test_unknown_route_and_wrong_method_answer_before_auth(parcelvoy_mock: ParcelvoyMock) -> None:
    http = parcelvoy_mock.http
    r = http.get("/api/client/nothing-here")
    assert (r.status_code, r.text, r.headers["content-type"]) == (
        404, "Not Found", "text/plain; charset=utf-8")
    r = http.put("/api/client/campaigns/44/trigger")
    assert (r.status_code, r.text, r.headers["allow"]) == (405, "Method Not Allowed", "POST")
    r = http.post("/api/client/users")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE"}


def test_journey_loader_answers_400_coded(parcelvoy_mock: ParcelvoyMock) -> None:
    headers = keys(parcelvoy_mock)["editor"]
    r = parcelvoy_mock.http.post("/api/client/journeys/999/trigger", json={}, headers=headers)
    assert r.status_code == 400
    assert r.json() == {"status": "error", "code": 9000,
                        "error": "The requested journey does not exist or you do not have access."}


def test_body_parsing_errors(parcelvoy_mock: ParcelvoyMock) -> None:
    http, headers = parcelvoy_mock.http, keys(parcelvoy_mock)["editor"]
    as_json = {**headers, "content-type": "application/json"}
    as_text = {**headers, "content-type": "text/plain"}
    # koa-body runs before auth: malformed JSON and JSON scalars are the generic 400
    r = http.post("/api/client/identify", content=b"{nope",
                  headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, GENERIC)
    r = http.post("/api/client/identify", content=b"42", headers=as_json)
    assert (r.status_code, r.json()) == (400, GENERIC)
    # a text body is a string: auth first, then the type error
    r = http.post("/api/client/identify", content=b"hello", headers={"content-type": "text/plain"})
    assert r.status_code == 401
    r = http.post("/api/client/identify", content=b"hello", headers=as_text)
    assert r.json() == {"status": "error", "error": "The value of `` must be a object."}
    r = http.post("/api/client/events", content=b'{"a": 1}', headers=as_text)
    assert r.json() == {"status": "error", "error": "The value of `` must be a array."}
    # no body at all reads as {}
    r = http.post("/api/client/campaigns/44/trigger", headers=headers)
    assert r.json() == {"status": "error", "error": "Must have required property 'user'"}
    # over 1 MB: koa-body's 413 leaves the error handler as the generic 400
    r = http.post("/api/client/identify", content=b'{"a":"' + b"x" * (1 << 20) + b'"}',
                  headers={**headers, "content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, GENERIC)


@pytest.mark.parametrize(("body", "message"), [
    ({}, "Must have required property 'user'"),
    ({"user": {"external_id": "a"}}, "Must have required property 'event'"),
    ({"user": {"email": "x"}, "event": {}}, "Must have required property 'external_id'"),
    ({"user": {"external_id": 5}, "event": {}},
     "The value of `user/external_id` must be a string."),
    ({"user": {"external_id": "a"}, "event": {}, "extra": 1},
     "Must NOT have additional properties"),
    ({"user": {"external_id": "a"}, "event": []}, "The value of `event` must be a object."),
    ({"user": {"external_id": "a", "email": 5}, "event": {}},
     "The value of `user/email` must be a string."),
    ([], "The value of `` must be a object."),
])
def test_trigger_422_wording(parcelvoy_mock: ParcelvoyMock, body: Any, message: str) -> None:
    r = parcelvoy_mock.http.post("/api/client/campaigns/44/trigger", json=body,
                                 headers=keys(parcelvoy_mock)["editor"])
    assert (r.status_code, r.json()) == (422, {"status": "error", "error": message})


def test_a_subscription_rename_needs_no_role(parcelvoy_mock: ParcelvoyMock) -> None:
    """SubscriptionController.ts puts the admin middleware on POST only."""
    r = parcelvoy_mock.http.patch("/api/client/subscriptions/1", json={"name": "News"},
                                  headers=keys(parcelvoy_mock)["support"])
    assert (r.status_code, r.json()["name"]) == (200, "News")


def test_external_ids_compare_as_mysql_collates_them(parcelvoy_mock: ParcelvoyMock) -> None:
    """utf8mb4_0900_ai_ci: the unique index and the lookups ignore case and accents."""
    pv = parcelvoy_mock.client()
    assert pv.get_user("ANN")["external_id"] == "ann"
    pv.identify(external_id="Ánn", data={"via": "upper"})
    parcelvoy_mock.drain()
    assert pv.get_user("ann")["data"]["via"] == "upper"  # the same user, not a second one


@pytest.mark.parametrize(("path", "status"), [
    ("/api/client/campaigns/44abc", 200), ("/api/client/campaigns/+44", 200),
    ("/api/client/campaigns/%D9%A1", 404), ("/api/client/campaigns/0", 404),
    ("/api/client/templates/1.9", 200), ("/api/client/campaigns/" + "9" * 40, 404),
])
def test_path_ids_are_read_with_parse_int(parcelvoy_mock: ParcelvoyMock, path: str,
                                         status: int) -> None:
    r = parcelvoy_mock.http.get(path, headers=keys(parcelvoy_mock)["editor"])
    assert r.status_code == status


def test_a_form_body_nests_as_qs_reads_it(parcelvoy_mock: ParcelvoyMock) -> None:
    """koa-body reads a form with qs (co-body sets allowDots): brackets and dots nest."""
    r = parcelvoy_mock.http.post(
        "/api/client/identify", content=b"external_id=form-1&data[plan]=pro&data.tier=gold",
        headers={**keys(parcelvoy_mock)["public"],
                 "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 204
    parcelvoy_mock.drain()
    user = parcelvoy_mock.client().get_user("form-1")
    assert user["data"] == {"plan": "pro", "tier": "gold"}
    r = parcelvoy_mock.http.post(  # an array route gets an object: the 422 type error
        "/api/client/events", content=b"name=e&external_id=form-1",
        headers={**keys(parcelvoy_mock)["public"],
                 "Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.json()["error"]) == (422, "The value of `` must be a array.")


def test_an_unparsed_content_type_reads_as_an_empty_object(parcelvoy_mock: ParcelvoyMock) -> None:
    r = parcelvoy_mock.http.post(
        "/api/client/identify", content=b'{"external_id": "x"}',
        headers={**keys(parcelvoy_mock)["public"],
                 "Content-Type": "application/merge-patch+json"})  # not one of koa-body's four
    assert (r.status_code, r.json()["error"]) == (422, "Must have required property 'anonymous_id'")
