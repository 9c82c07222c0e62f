"""The control surface answers only the sandbox's own pages and tools.

Every state-changing control route (/_admin and each vendor's /_sandbox/...) refuses what a
hostile web page can send (a plain form, a no-cors fetch, another Origin, a rebound Host) and
what the sandbox sends itself (a webhook pointed at /_admin/reset); vendor routes are untouched.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.routing import Route

from mailmocks.cli import main
from mailmocks.sandbox import Sandbox
from mailmocks.serve.runner import is_loopback
from mailmocks.testing.convertkit import Mock as ConvertKitMock
from mailmocks.transport import SyncASGITransport

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def control_routes(box: Sandbox) -> list[tuple[str, str]]:
    """(method, concrete path) of every state-changing control route the sandbox serves."""
    found: list[tuple[str, str]] = []
    for route in box.admin.routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) & STATE_CHANGING):
            found.append((method, route.path))
    for name, app in box.apps.items():
        for route in app.api.extra_routes(app.world, box.services):
            if isinstance(route, Route) and route.path.startswith("/_sandbox"):
                for method in sorted((route.methods or set()) & STATE_CHANGING):
                    found.append((method, f"/{name}{re.sub(r'{[^}]+}', '1', route.path)}"))
    return found


@pytest.fixture(scope="module")
def box() -> Sandbox:
    return Sandbox()


@pytest.fixture
def http(box: Sandbox) -> Iterator[httpx.Client]:
    box.reset()
    with httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025") as c:
        yield c


def test_every_vendor_contributes_its_control_routes(box: Sandbox) -> None:
    routes = control_routes(box)
    assert ("POST", "/_admin/reset") in routes and ("POST", "/_admin/faults") in routes
    assert ("POST", "/botamp/_sandbox/regenerate_key") in routes
    assert ("POST", "/highlevel/_sandbox/billetto/emit") in routes
    assert ("POST", "/esputnik/_sandbox/sends/1/status") in routes


HOSTILE: list[tuple[str, dict[str, str], bytes]] = [
    # a plain HTML form from any page: no preflight, so its content type is a form's
    ("form text/plain", {"content-type": "text/plain", "origin": "http://evil.example",
                         "sec-fetch-site": "cross-site"}, b'{"api": "convertkit"}='),
    ("form urlencoded", {"content-type": "application/x-www-form-urlencoded",
                         "origin": "http://evil.example"}, b"status=503"),
    ("multipart", {"content-type": "multipart/form-data; boundary=x"}, b"--x--"),
    ("no content type", {}, b'{"freeze": true}'),
    ("no body at all", {}, b""),
    # fetch(..., {mode: "no-cors"}) from another site says so in Sec-Fetch-Site
    ("no-cors fetch", {"content-type": "text/plain", "sec-fetch-site": "cross-site",
                       "sec-fetch-mode": "no-cors"}, b"{}"),
    ("same-site subdomain", {"content-type": "application/json",
                             "sec-fetch-site": "same-site"}, b"{}"),
    ("other origin, JSON", {"content-type": "application/json",
                            "origin": "http://127.0.0.1:9999"}, b"{}"),
    ("opaque origin", {"content-type": "application/json", "origin": "null"}, b"{}"),
    ("rebound host", {"content-type": "application/json", "host": "evil.example:8025"}, b"{}"),
    ("the sandbox itself", {"content-type": "application/json",
                            "x-mailmocks-delivery": "7"}, b"{}"),
]


@pytest.mark.parametrize("label,headers,body", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_requests_to_every_control_route_are_refused(
        box: Sandbox, http: httpx.Client, label: str, headers: dict[str, str],
        body: bytes) -> None:
    for method, path in control_routes(box):
        if method == "DELETE" and set(headers) <= {"content-type"}:
            continue  # a browser cannot send DELETE cross-site at all: no header needed
        answer = http.request(method, path, content=body, headers=headers)
        assert answer.status_code in (403, 415), (label, method, path, answer.text)
        assert "error" in answer.json()
    assert http.get("/_admin/faults").json() == []
    assert http.get("/_admin/clock").json()["frozen"] is False


def test_the_sandbox_own_tools_still_drive_it(http: httpx.Client) -> None:
    same_origin = {"origin": "http://127.0.0.1:8025", "sec-fetch-site": "same-origin"}
    fault = http.post("/_admin/faults", json={"api": "convertkit", "status": 503, "times": 1},
                      headers=same_origin)
    assert fault.status_code == 201
    assert http.post("/_admin/clock", json={"freeze": True}).json()["frozen"] is True
    assert http.delete("/_admin/faults").status_code == 200  # curl -X DELETE, no header
    assert http.post("/_admin/reset", json={}).json()["reset"] is True
    assert http.post("/botamp/_sandbox/regenerate_key", json={}).status_code == 200


def test_vendor_routes_keep_the_vendor_behaviour(http: httpx.Client) -> None:
    # ConvertKit takes form posts from anywhere, like the real API; the guard is not involved
    answer = http.post("/convertkit/v3/forms/3001/subscribe",
                       content=b"api_key=ck_pub_8Xq2LmN4vR7tY1wZ&email=x%40example.com",
                       headers={"content-type": "application/x-www-form-urlencoded",
                                "origin": "http://evil.example", "sec-fetch-site": "cross-site"})
    assert answer.status_code == 200


@pytest.mark.slow
def test_a_webhook_pointed_at_the_control_surface_cannot_reset_the_sandbox() -> None:
    from mailmocks.pytest_plugin import LiveServer
    from mailmocks.testing import make_mock

    box = Sandbox(["convertkit"], strict=True)
    with LiveServer(box) as server:
        mock = make_mock(ConvertKitMock, root=server.url, sandbox=box)
        ck = mock.client()
        ck.create_webhook(f"{server.url}/_admin/reset", {"name": "subscriber.subscriber_activate"})
        marker = ck.create_tags("Survives the webhook")
        ck.add_subscriber_to_form(3001, "hook@example.com")
        deadline = time.monotonic() + 10
        while not [d for d in mock.webhooks.deliveries("convertkit") if d.attempts]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        [delivery] = mock.webhooks.deliveries("convertkit")
        assert delivery.attempts[0].status == 403
        tags = [t["name"] for t in ck.list_tags()["tags"]]
        assert marker["name"] in tags  # nothing was reset
        mock.close()


def test_serving_beyond_loopback_needs_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--allow-remote" in err and "public" in err
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")


def test_an_inspector_session_needs_its_token(box: Sandbox, http: httpx.Client) -> None:
    from mailmocks.guard import SESSION_COOKIE, TOKEN_HEADER, session_token

    page = http.get("/controls")
    session = page.cookies[SESSION_COOKIE]
    token = session_token(box.session_secret, session)
    assert f'content="{token}"' in page.text  # the page carries the token of its session
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    body = {"api": "convertkit", "status": 503}
    assert http.post("/_admin/faults", json=body).status_code == 403  # the cookie, no token
    assert http.post("/_admin/faults", json=body,
                     headers={TOKEN_HEADER: "0" * 40}).status_code == 403
    other = session_token(box.session_secret, session + "x")
    assert http.post("/_admin/faults", json=body, headers={TOKEN_HEADER: other}).status_code \
        == 403
    assert http.post("/_admin/faults", json=body, headers={TOKEN_HEADER: token}).status_code \
        == 201
    http.cookies.clear()  # a tool without the inspector's cookie (curl) needs no token
    assert http.delete("/_admin/faults").status_code == 200
