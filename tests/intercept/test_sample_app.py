"""The sample app's unchanged code reaches the fakes through interception: five vendors, each
with httpx sync, httpx async (clients made at import) and requests."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from sample_app import async_httpx, sync_httpx, urls, with_requests

from mailmocks.intercept import Interception

STYLES = {"httpx": sync_httpx, "async": async_httpx, "requests": with_requests}
PARCELVOY = pytest.mark.mailmocks(hosts={urls.PARCELVOY_HOST: "parcelvoy"})


def run(style: str, fn: Callable[..., Any], *args: Any) -> Any:
    if style == "async":
        async def call() -> Any:
            result: Awaitable[Any] = fn(*args)
            return await result
        return anyio.run(call)
    return fn(*args)


@pytest.fixture(params=sorted(STYLES))
def style(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_convertkit(mailmocks: Interception, style: str) -> None:
    ck = mailmocks.convertkit
    app = STYLES[style]
    sub = run(style, app.convertkit_subscribe, ck.api_key, 3001, "ann@example.com", "Ann")
    assert sub["subscriber"]["id"] > 0
    [call] = ck.assert_called("add_subscriber_to_form", times=1)
    assert call.host == "api.convertkit.com" and call.status == 200
    assert call.body["api_key"] == "[redacted]" and call.body["email"] == "ann@example.com"


def test_botamp(botamp_mock: Any, style: str) -> None:
    app = STYLES[style]
    run(style, app.botamp_upsert, botamp_mock.api_key, "bob@example.com", "Bob")
    botamp_mock.assert_called("create_or_update_subscriber", times=1)
    subscriber = botamp_mock.subscriber("bob@example.com")
    assert subscriber is not None and subscriber.name == "Bob"


@pytest.mark.parametrize("base", [urls.ESPUTNIK, urls.YESPO])
def test_esputnik_on_both_hosts(mailmocks: Interception, style: str, base: str) -> None:
    es = mailmocks.esputnik
    app = STYLES[style]
    created = run(style, app.esputnik_add_contact, es.api_key, "cy@example.com", "Cy", base)
    assert created["id"] > 0
    [call] = es.calls("add_contact")
    assert call.host == base.split("/")[2] and call.headers["authorization"] == "[redacted]"


@PARCELVOY
def test_parcelvoy_on_a_configured_host(mailmocks: Interception, style: str) -> None:
    pv = mailmocks.parcelvoy
    run(style, STYLES[style].parcelvoy_identify, pv.secret_key, "u-1", "di@example.com")
    pv.assert_called("identify", times=1)
    pv.drain()  # Parcelvoy applies an identify in the background
    user = pv.user("u-1")
    assert user is not None and user.email == "di@example.com"


def test_highlevel(highlevel_mock: Any, style: str) -> None:
    sites = run(style, STYLES[style].highlevel_blog_sites, highlevel_mock.token,
                highlevel_mock.location_id)
    assert sites and all("name" in site for site in sites)
    highlevel_mock.assert_called("get_blogs", times=1)
