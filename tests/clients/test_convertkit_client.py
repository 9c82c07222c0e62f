"""The ConvertKit v3 client against httpx.MockTransport: no network, no real sleeping."""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import orjson
import pytest

from mailmocks.clients.base import (
    ApiError,
    AuthError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    paginate,
    retry_after,
)
from mailmocks.clients.convertkit import AsyncConvertKit, ConvertKit, _Operations

PUBLIC, PRIVATE = "pk_public_123", "sk_secret_456"
NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}

Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]] | Exception | Callable[..., Any]


class Server:
    """MockTransport handler: answers with `replies` in order (the last one repeats).

    It also collects the client's backoff waits, so no test sleeps for real.
    """

    def __init__(self, *replies: Reply) -> None:
        self.replies: list[Reply] = list(replies) or [(200, {})]
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)  # type: ignore[no-any-return]
        status, body, *rest = reply
        headers = rest[0] if rest else {}
        if isinstance(body, str):  # e.g. ConvertKit's text/plain 429 "Retry later"
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def sync_client(server: Server, **options: Any) -> ConvertKit:
    options.setdefault("retry", RetryPolicy(rng=random.Random(7)))
    return ConvertKit(
        PUBLIC,
        PRIVATE,
        transport=httpx.MockTransport(server),
        sleep=server.sleeps.append,
        **options,
    )


def async_client(server: Server, **options: Any) -> AsyncConvertKit:
    async def sleep(delay: float) -> None:
        server.sleeps.append(delay)

    options.setdefault("retry", RetryPolicy(rng=random.Random(7)))
    return AsyncConvertKit(
        PUBLIC, PRIVATE, transport=httpx.MockTransport(server), sleep=sleep, **options
    )


# --- every operation: method, path, credential placement, payload ------------------------------

PURCHASE = {"transaction_id": "t-1", "email_address": "a@x.io", "currency": "EUR", "products": []}
EVENT = {"name": "subscriber.tag_add", "tag_id": 5}
SUBSCRIBER_FILTERS = {
    "page": 2, "from": "2024-01-01", "to": "2024-02-01", "updated_from": "2024-01-05",
    "updated_to": "2024-01-06", "sort_order": "desc", "sort_field": "cancelled_at",
    "email_address": "a@x.io",
}  # fmt: skip
# `from` is a Python keyword, so the method takes `from_`.
SUBSCRIBER_KWARGS = {"from_" if k == "from" else k: v for k, v in SUBSCRIBER_FILTERS.items()}

# operationId, args, kwargs, method, path, credential, data sent besides the credential
CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], str, str, str, dict[str, Any]]] = [
    ("get_account", (), {}, "GET", "/v3/account", "api_secret", {}),
    ("list_forms", (), {}, "GET", "/v3/forms", "api_key", {}),
    ("list_subscription_forms", (), {}, "GET", "/v3/subscription_forms", "api_key", {}),
    ("add_subscriber_to_form", (7, "a@x.io"),
     {"first_name": "Ann", "fields": {"last_name": "Lee"}, "tags": (1, 2)},
     "POST", "/v3/forms/7/subscribe", "api_key",
     {"email": "a@x.io", "first_name": "Ann", "fields": {"last_name": "Lee"}, "tags": [1, 2]}),
    ("list_form_subscriptions", (7,),
     {"page": 2, "sort_order": "desc", "subscriber_state": "cancelled"},
     "GET", "/v3/forms/7/subscriptions", "api_secret",
     {"page": 2, "sort_order": "desc", "subscriber_state": "cancelled"}),
    ("list_sequences", (), {}, "GET", "/v3/sequences", "api_key", {}),
    ("add_subscriber_to_sequence", (3, "a@x.io"), {},
     "POST", "/v3/sequences/3/subscribe", "api_key", {"email": "a@x.io"}),
    ("list_sequence_subscriptions", (3,), {},
     "GET", "/v3/sequences/3/subscriptions", "api_secret", {}),
    ("list_tags", (), {}, "GET", "/v3/tags", "api_key", {}),
    ("create_tags", ("VIP",), {}, "POST", "/v3/tags", "api_key", {"tag": {"name": "VIP"}}),
    ("create_tags", (["A", "B"],), {},
     "POST", "/v3/tags", "api_key", {"tag": [{"name": "A"}, {"name": "B"}]}),
    ("tag_subscriber", (5, "a@x.io"), {"tags": [6]},
     "POST", "/v3/tags/5/subscribe", "api_key", {"email": "a@x.io", "tags": [6]}),
    ("remove_tag_from_subscriber", (9, 5), {},
     "DELETE", "/v3/subscribers/9/tags/5", "api_secret", {}),
    ("remove_tag_from_subscriber_by_email", (5, "a@x.io"), {},
     "POST", "/v3/tags/5/unsubscribe", "api_secret", {"email": "a@x.io"}),
    ("list_tag_subscriptions", (5,), {"subscriber_state": "active"},
     "GET", "/v3/tags/5/subscriptions", "api_secret", {"subscriber_state": "active"}),
    ("list_subscribers", (), SUBSCRIBER_KWARGS,
     "GET", "/v3/subscribers", "api_secret", SUBSCRIBER_FILTERS),
    ("get_subscriber", (9,), {}, "GET", "/v3/subscribers/9", "api_secret", {}),
    ("update_subscriber", (9,), {"first_name": "Bo"},
     "PUT", "/v3/subscribers/9", "api_secret", {"first_name": "Bo"}),
    ("unsubscribe_subscriber", ("a@x.io",), {},
     "PUT", "/v3/unsubscribe", "api_secret", {"email": "a@x.io"}),
    ("list_subscriber_tags", (9,), {}, "GET", "/v3/subscribers/9/tags", "api_key", {}),
    ("list_broadcasts", (), {"page": 2, "sort_order": "desc"},
     "GET", "/v3/broadcasts", "api_secret", {"page": 2, "sort_order": "desc"}),
    ("create_broadcast", (), {"subject": "Hi", "public": True, "send_at": None},
     "POST", "/v3/broadcasts", "api_secret", {"subject": "Hi", "public": True}),
    ("get_broadcast", (4,), {}, "GET", "/v3/broadcasts/4", "api_secret", {}),
    ("get_broadcast_stats", (4,), {}, "GET", "/v3/broadcasts/4/stats", "api_secret", {}),
    ("update_broadcast", (4,), {"subject": "New"},
     "PUT", "/v3/broadcasts/4", "api_secret", {"subject": "New"}),
    ("delete_broadcast", (4,), {}, "DELETE", "/v3/broadcasts/4", "api_secret", {}),
    ("list_custom_fields", (), {}, "GET", "/v3/custom_fields", "api_key", {}),
    ("create_custom_fields", ("Last Name",), {},
     "POST", "/v3/custom_fields", "api_secret", {"label": "Last Name"}),
    ("create_custom_fields", (("A", "B"),), {},
     "POST", "/v3/custom_fields", "api_secret", {"label": ["A", "B"]}),
    ("update_custom_field", (11, "Surname"), {},
     "PUT", "/v3/custom_fields/11", "api_secret", {"label": "Surname"}),
    ("delete_custom_field", (11,), {}, "DELETE", "/v3/custom_fields/11", "api_secret", {}),
    ("list_purchases", (), {"page": 3}, "GET", "/v3/purchases", "api_secret", {"page": 3}),
    ("get_purchase", (8,), {}, "GET", "/v3/purchases/8", "api_secret", {}),
    ("create_purchase", (PURCHASE,), {},
     "POST", "/v3/purchases", "api_secret", {"purchase": PURCHASE}),
    ("create_webhook", ("https://hooks.example/ck", EVENT), {},
     "POST", "/v3/automations/hooks", "api_secret",
     {"target_url": "https://hooks.example/ck", "event": EVENT}),
    ("delete_webhook", (43,), {}, "DELETE", "/v3/automations/hooks/43", "api_secret", {}),
    ("list_webhooks", (), {}, "GET", "/v3/automations/hooks", "api_secret", {}),
]  # fmt: skip
CALL_IDS = [f"{c[0]}-{i}" for i, c in enumerate(CALLS)]


def assert_sent(
    request: httpx.Request, method: str, path: str, credential: str, data: dict[str, Any]
) -> None:
    assert request.method == method
    assert request.url.path == path
    expected = {**data, credential: PUBLIC if credential == "api_key" else PRIVATE}
    if method in ("GET", "DELETE"):
        assert request.content == b""
        assert dict(request.url.params) == {k: str(v) for k, v in expected.items()}
    else:
        assert request.url.query == b""
        assert request.headers["content-type"] == "application/json"
        assert orjson.loads(request.content) == expected


def test_the_table_covers_every_operation() -> None:
    operations = {
        name
        for name, member in vars(_Operations).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert operations == {c[0] for c in CALLS}


@pytest.mark.parametrize(
    ("op", "args", "kwargs", "method", "path", "cred", "data"), CALLS, ids=CALL_IDS
)
def test_operation_request(
    op: str, args: tuple[Any, ...], kwargs: dict[str, Any],
    method: str, path: str, cred: str, data: dict[str, Any],
) -> None:  # fmt: skip
    server = Server((200, {"ok": True}))
    with sync_client(server) as ck:
        assert getattr(ck, op)(*args, **kwargs) == {"ok": True}
    [request] = server.requests
    assert_sent(request, method, path, cred, data)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("op", "args", "kwargs", "method", "path", "cred", "data"), CALLS, ids=CALL_IDS
)
async def test_async_operation_request(
    op: str, args: tuple[Any, ...], kwargs: dict[str, Any],
    method: str, path: str, cred: str, data: dict[str, Any],
) -> None:  # fmt: skip
    server = Server((200, [{"ok": True}]))
    async with async_client(server) as ck:
        assert await getattr(ck, op)(*args, **kwargs) == [{"ok": True}]
    [request] = server.requests
    assert_sent(request, method, path, cred, data)


def test_public_key_endpoints_fall_back_to_the_secret() -> None:
    server = Server()
    ConvertKit(api_secret=PRIVATE, transport=httpx.MockTransport(server)).list_forms()
    assert dict(server.requests[0].url.params) == {"api_secret": PRIVATE}


def test_no_credentials_sends_none_and_the_401_is_an_auth_error() -> None:
    body = {"error": "Authorization Failed", "message": "API Key not present"}
    server = Server((401, body))
    with pytest.raises(AuthError) as caught:
        ConvertKit(transport=httpx.MockTransport(server)).add_subscriber_to_form(1, "a@x.io")
    assert orjson.loads(server.requests[0].content) == {"email": "a@x.io"}
    assert caught.value.body == body


def test_empty_204_returns_none() -> None:
    server = Server((204, None))
    assert sync_client(server).update_custom_field(11, "Surname") is None


def test_base_url_prefix_is_kept() -> None:
    server = Server()
    ConvertKit(
        PUBLIC, base_url="http://sandbox/convertkit/", transport=httpx.MockTransport(server)
    ).list_tags()
    assert server.requests[0].url.host == "sandbox"
    assert server.requests[0].url.path == "/convertkit/v3/tags"


# --- retries --------------------------------------------------------------------------------------


def test_429_is_retried_with_exponential_full_jitter() -> None:
    server = Server((429, "Retry later"), (429, "Retry later"), (200, {"tags": []}))
    assert sync_client(server).list_tags() == {"tags": []}
    assert len(server.requests) == 3
    rng = random.Random(7)
    assert server.sleeps == [rng.uniform(0, 0.5), rng.uniform(0, 1.0)]
    assert all(0 <= s <= 0.5 * 2**n for n, s in enumerate(server.sleeps))


def test_retry_after_is_honoured_and_capped() -> None:
    server = Server(
        (503, "busy", {"Retry-After": "3"}), (429, "Retry later", {"Retry-After": "120"}), (200, {})
    )
    sync_client(server, retry=RetryPolicy(max_delay=30.0)).list_tags()
    assert server.sleeps == [3.0, 30.0]


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert retry_after("2.5") == 2.5
    assert retry_after(format_datetime(now + timedelta(seconds=12), usegmt=True), now) == 12.0
    assert retry_after(format_datetime(now - timedelta(seconds=12), usegmt=True), now) == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_gives_up_after_attempts_with_rate_limited() -> None:
    server = Server((429, "Retry later"))
    with pytest.raises(RateLimited) as caught:
        sync_client(server).get_account()
    assert len(server.requests) == 4 and len(server.sleeps) == 3
    error = caught.value
    assert (error.status, error.body) == (429, "Retry later")
    assert error.response.status_code == 429
    assert "429" in str(error) and "Retry later" in str(error) and "/v3/account" in str(error)
    assert PRIVATE not in str(error)  # the query string holds the secret


def test_5xx_is_retried_then_raises_server_error() -> None:
    server = Server((502, {"error": "Bad Gateway", "message": ""}))
    with pytest.raises(ServerError):
        sync_client(server, retry=RetryPolicy(attempts=2)).list_forms()
    assert len(server.requests) == 2 and len(server.sleeps) == 1


def test_404_is_not_found_with_the_vendor_body() -> None:
    server = Server((404, NOT_FOUND))
    with pytest.raises(NotFound) as caught:
        sync_client(server).get_subscriber(404)
    assert caught.value.body == NOT_FOUND
    assert len(server.requests) == 1 and server.sleeps == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, InvalidRequest), (401, AuthError), (403, AuthError), (413, InvalidRequest),
     (422, InvalidRequest), (409, ApiError), (501, ServerError)],
)  # fmt: skip
def test_other_errors_are_typed_and_not_retried(status: int, error: type[ApiError]) -> None:
    server = Server((status, {"error": "x", "message": "y"}))
    with pytest.raises(error) as caught:
        sync_client(server).list_tags()
    assert type(caught.value) is error and caught.value.status == status
    assert len(server.requests) == 1 and server.sleeps == []


def test_transport_errors_are_retried() -> None:
    server = Server(httpx.ConnectError("refused"), (200, {"forms": []}))
    assert sync_client(server).list_forms() == {"forms": []}
    assert len(server.requests) == 2 and len(server.sleeps) == 1


def test_transport_error_surfaces_after_attempts() -> None:
    server = Server(httpx.ReadTimeout("slow"))
    with pytest.raises(httpx.ReadTimeout):
        sync_client(server, retry=RetryPolicy(attempts=3)).list_forms()
    assert len(server.requests) == 3 and len(server.sleeps) == 2


def test_retries_resend_the_same_body() -> None:
    server = Server((500, "oops"), (200, {}))
    sync_client(server).unsubscribe_subscriber("a@x.io")
    assert server.requests[0].content == server.requests[1].content


@pytest.mark.anyio
async def test_async_retries_with_injected_sleep() -> None:
    server = Server(httpx.ConnectError("refused"), (429, "Retry later"), (200, {}))
    assert await async_client(server).list_tags() == {}
    rng = random.Random(7)
    assert server.sleeps == [rng.uniform(0, 0.5), rng.uniform(0, 1.0)]


@pytest.mark.anyio
async def test_async_errors_are_typed() -> None:
    server = Server((404, NOT_FOUND))
    with pytest.raises(NotFound) as caught:
        await async_client(server).get_broadcast(1)
    assert caught.value.body == NOT_FOUND


# --- pagination -------------------------------------------------------------------------------


def subscriber_pages(request: httpx.Request) -> httpx.Response:
    """Five subscribers, two per page."""
    page = int(request.url.params["page"])
    ids = list(range(1, 6))[(page - 1) * 2 : page * 2]
    body = {
        "total_subscribers": 5, "page": page, "total_pages": 3,
        "subscribers": [{"id": i} for i in ids],
    }  # fmt: skip
    return httpx.Response(200, json=body)


def test_iter_subscribers_pages_until_total_pages() -> None:
    server = Server(subscriber_pages)
    ids = [s["id"] for s in sync_client(server).iter_subscribers(sort_field="cancelled_at")]
    assert ids == [1, 2, 3, 4, 5]
    assert [r.url.params["page"] for r in server.requests] == ["1", "2", "3"]
    assert all(r.url.params["sort_field"] == "cancelled_at" for r in server.requests)


@pytest.mark.anyio
async def test_aiter_subscribers_pages_until_total_pages() -> None:
    server = Server(subscriber_pages)
    ids = [s["id"] async for s in async_client(server).aiter_subscribers()]
    assert ids == [1, 2, 3, 4, 5]
    assert len(server.requests) == 3


def test_paginate_stops_on_an_empty_page_despite_totals() -> None:
    pages = {1: {"total_pages": 9, "items": [1]}, 2: {"total_pages": 9, "items": []}}
    seen: list[int] = []

    def fetch(page: int) -> dict[str, Any]:
        seen.append(page)
        return pages[page]

    assert list(paginate(fetch, "items")) == [1]
    assert seen == [1, 2]


# --- lifecycle ------------------------------------------------------------------------------------


def test_close_only_closes_the_client_it_owns() -> None:
    with ConvertKit(PUBLIC, transport=httpx.MockTransport(Server())) as owned:
        pass
    assert owned._http.is_closed
    shared = httpx.Client(transport=httpx.MockTransport(Server()))
    with ConvertKit(PUBLIC, http_client=shared) as borrowing:
        borrowing.list_tags()
    assert not shared.is_closed
    shared.close()


@pytest.mark.anyio
async def test_async_close_only_closes_the_client_it_owns() -> None:
    async with AsyncConvertKit(PUBLIC, transport=httpx.MockTransport(Server())) as owned:
        pass
    assert owned._http.is_closed
    async with httpx.AsyncClient(transport=httpx.MockTransport(Server())) as shared:
        async with AsyncConvertKit(PUBLIC, http_client=shared) as borrowing:
            await borrowing.list_tags()
        assert not shared.is_closed


def test_transport_and_http_client_are_exclusive() -> None:
    with httpx.Client() as shared, pytest.raises(ValueError):
        ConvertKit(transport=httpx.MockTransport(Server()), http_client=shared)
