"""The eSputnik `Api`: Basic auth and Spring's 401, tenants kept apart, plain-text 400/415,
404/405 for unknown routes and methods, and the rate windows (§1.1, §8, §9, §10.1, D-1, D-7).

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
Default data: fixtures/esputnik.yaml, as tests/apis/esputnik/conftest.py describes it.
"""
from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from support import raises

from mailmocks.clients.base import AuthError, RateLimited
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
OTHER_KEY = "esk_OtherOrg0000000000000000000000"
JSON_UTF8 = "application/json; charset=UTF-8"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"any:{key}".encode()).decode()}


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


# -- auth (§1.1, §8, D-1) -----------------------------------------------------------------
@pytest.mark.parametrize("headers", [
    {}, auth("wrong-key"), {"Authorization": "Bearer esk_A1b2C3d4E5f6G7h8J9k0L1m2N3o4P5q6"},
    {"Authorization": "Basic !!!not-base64"},
])
def test_a_missing_or_wrong_key_is_a_spring_401(esputnik_mock: EsputnikMock,
                                                headers: dict[str, str]) -> None:
    r = esputnik_mock.http.get("/api/v1/account/info", headers=headers)
    assert r.status_code == 401
    body = r.json()
    assert {k: body[k] for k in ("status", "error", "message", "path")} == {
        "status": 401, "error": "Unauthorized", "message": "Bad credentials",
        "path": "/api/v1/account/info"}
    assert body["timestamp"].endswith("Z")


def test_any_user_name_works_and_the_client_raises_auth_error(esputnik_mock: EsputnikMock) -> None:
    r = esputnik_mock.http.get("/api/v1/account/info",
                               headers=auth(esputnik_mock.api_key))
    assert r.status_code == 200 and r.headers["content-type"] == JSON_UTF8
    from mailmocks.clients.esputnik import ESputnik
    bad = ESputnik("nope", base_url=esputnik_mock.base_url, http_client=esputnik_mock.http)
    assert raises(AuthError, bad.get_account_info).status == 401


def test_organisations_never_see_each_other(esputnik_mock: EsputnikMock) -> None:
    other = esputnik_mock.http.get(f"/api/v1/contact/{OLENA}", headers=auth(OTHER_KEY)).json()
    assert other["firstName"] == "Otto"
    assert esputnik_mock.client().get_contact(OLENA)["firstName"] == "Olena"


# -- bodies, routes and methods (§9) ----------------------------------------------------
def test_a_body_that_is_not_json_is_400_text_and_another_media_type_415(
        esputnik_mock: EsputnikMock) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/contact", content=b"{nope",
             headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("JSON parse error")
    r = call(esputnik_mock, "POST", "/api/v1/contact", data={"channels": "x"})
    assert r.status_code == 415 and "not supported" in r.text



@pytest.mark.parametrize(("ctype", "named"), [
    ("text/plain", "text/plain"), ("application/x-www-form-urlencoded", None),
    ("", "application/octet-stream"), ("application/xml", "application/xml")])
def test_only_json_media_types_are_read_as_bodies(esputnik_mock: EsputnikMock, ctype: str,
                                                  named: str | None) -> None:
    """§13: Spring's Jackson converter reads application/json and application/*+json; any
    other type, or none (application/octet-stream), is 415 and nothing is stored."""
    body = b'{"channels": [{"type": "email", "value": "typed@example.org"}]}'
    r = call(esputnik_mock, "POST", "/api/v1/contact", content=body,
             headers={"content-type": ctype} if ctype else {})
    assert r.status_code == 415
    assert r.text == f"Content type '{named or ctype}' not supported"
    assert esputnik_mock.client().search_contacts(email="typed@example.org").total == 0
    r = call(esputnik_mock, "POST", "/api/v1/contact", content=body,
             headers={"content-type": "application/vnd.yespo+json; charset=UTF-8"})
    assert r.status_code == 200


def test_unknown_path_is_404_and_wrong_method_405(esputnik_mock: EsputnikMock) -> None:
    assert call(esputnik_mock, "GET", "/api/v1/nothing").status_code == 404
    r = call(esputnik_mock, "PATCH", f"/api/v1/contact/{OLENA}")
    assert r.status_code == 405 and "not supported" in r.text


# -- rate limits (§10.1, D-7) --------------------------------------------------------------
def test_search_is_limited_to_50_per_second_then_429_text(esputnik_mock: EsputnikMock) -> None:
    esputnik_mock.clock.freeze()
    for _ in range(50):
        assert call(esputnik_mock, "GET", "/api/v1/contacts", params={"maxrows": 1}
                    ).status_code == 200
    r = call(esputnik_mock, "GET", "/api/v1/contacts")
    assert (r.status_code, r.text) == (429, "Too many requests")
    assert call(esputnik_mock, "GET", "/api/v1/account/info").status_code == 200
    esputnik_mock.advance(1.0)
    assert call(esputnik_mock, "GET", "/api/v1/contacts").status_code == 200


def test_other_methods_share_200_per_second_and_the_client_retries(
        esputnik_mock: EsputnikMock) -> None:
    esputnik_mock.clock.freeze()
    for _ in range(200):
        call(esputnik_mock, "GET", f"/api/v1/contact/{OLENA}")
    assert call(esputnik_mock, "GET", "/api/v1/groups").status_code == 429
    es = esputnik_mock.client(sleep=lambda s: esputnik_mock.advance(1.0))
    assert es.get_account_info()["orgId"] == 734521  # retried after the window moved
    from mailmocks.clients.base import RetryPolicy
    stubborn = esputnik_mock.client(retry=RetryPolicy(attempts=1))
    for _ in range(200):
        call(esputnik_mock, "GET", f"/api/v1/contact/{OLENA}")
    assert raises(RateLimited, stubborn.get_account_info).body == "Too many requests"


def test_template_reads_are_limited_to_500_per_hour(esputnik_mock: EsputnikMock) -> None:
    esputnik_mock.clock.freeze()
    for i in range(500):
        if i % 10 == 0:
            esputnik_mock.advance(1.0)  # stay under 10 per second
        assert call(esputnik_mock, "GET", "/api/v1/messages/email/3000001").status_code == 200
    esputnik_mock.advance(1.0)
    assert call(esputnik_mock, "GET", "/api/v1/messages/email").status_code == 429
    esputnik_mock.advance(3600)
    assert call(esputnik_mock, "GET", "/api/v1/messages/email").status_code == 200


@pytest.mark.parametrize(("path", "body", "limit"), [
    ("/api/v2/event", {"eventTypeKey": "ping", "keyValue": "k"}, 350),
    ("/api/v1/messages/email/3000001", None, 10),
])
def test_per_endpoint_limits(esputnik_mock: EsputnikMock, path: str, body: Any, limit: int) -> None:
    esputnik_mock.clock.freeze()
    method = "POST" if body else "GET"
    for _ in range(limit):
        assert call(esputnik_mock, method, path, json=body).status_code == 200
    assert call(esputnik_mock, method, path, json=body).status_code == 429
    assert call(esputnik_mock, "GET", "/api/v1/groups").status_code == 200  # its own window
