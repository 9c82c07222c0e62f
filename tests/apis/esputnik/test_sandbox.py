"""eSputnik sandbox routes: READ/CLICKED only through the control route (D-9), and the
trailing slash the real server tolerates (§0).

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from typing import Any

import httpx

from mailmocks.testing.esputnik import Mock as EsputnikMock

WELCOME_MSG = 3000002


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def email(value: str) -> list[dict[str, str]]:
    return [{"type": "email", "value": value}]


def test_read_and_clicked_only_through_the_sandbox(esputnik_mock: EsputnikMock) -> None:
    (res,) = esputnik_mock.client().smartsend(WELCOME_MSG, [{"locator": "a@b.org"}])
    rid = res["requestId"]
    early = esputnik_mock.http.post(f"/_sandbox/sends/{rid}/status", json={"status": "READ"})
    assert early.status_code == 409
    esputnik_mock.drain()
    for status in ("READ", "CLICKED"):
        r = esputnik_mock.http.post(f"/_sandbox/sends/{rid}/status", json={"status": status})
        assert r.json() == {"requestId": rid, "status": status}
    assert esputnik_mock.client().get_message_status([rid])[0]["delivered"] is True
    assert esputnik_mock.http.post("/_sandbox/sends/nope/status",
                                   json={"status": "READ"}).status_code == 404
    assert esputnik_mock.http.post(f"/_sandbox/sends/{rid}/status",
                                   json={"status": "SPAM"}).status_code == 400


def test_a_trailing_slash_is_tolerated_like_the_real_server(esputnik_mock: EsputnikMock) -> None:
    assert call(esputnik_mock, "GET", "/api/v1/account/info/").json()["orgId"] == 734521
    r = call(esputnik_mock, "POST", "/api/v1/contact/",
             json={"channels": email("slash@example.org")})
    assert r.status_code == 200
    assert call(esputnik_mock, "PATCH", "/api/v1/contacts/").status_code == 405
    for path in ("/api/v1/nothing", "/api/v1/nothing/"):
        assert call(esputnik_mock, "GET", path).status_code == 404
