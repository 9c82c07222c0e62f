"""The Botamp client against httpx.MockTransport: what goes on the wire, errors, retries."""

from __future__ import annotations

import random
from typing import Any

import httpx
import orjson
import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, RetryPolicy, ServerError
from mailmocks.clients.botamp import DEFAULT_BASE_URL, AsyncBotamp, Botamp
from mailmocks.testing.botamp import Mock as BotampMock

KEY = "k_123"
SINGLE = "/api/subscribers/create_or_update"
MANY = "/api/subscribers/create_or_update_many"


class Server:
    """MockTransport handler: answers with `replies` in order (the last one repeats)."""

    def __init__(self, *replies: tuple[int, Any]) -> None:
        self.replies = list(replies) or [(200, {})]
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.replies[min(len(self.requests), len(self.replies)) - 1]
        return httpx.Response(status, json=body)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def sync_client(server: Server, **options: Any) -> Botamp:
    options.setdefault("retry", RetryPolicy(rng=random.Random(7)))
    return Botamp(KEY, transport=httpx.MockTransport(server), sleep=server.sleeps.append,
                  **options)


def async_client(server: Server) -> AsyncBotamp:
    async def sleep(delay: float) -> None:
        server.sleeps.append(delay)

    return AsyncBotamp(KEY, transport=httpx.MockTransport(server), sleep=sleep,
                       retry=RetryPolicy(rng=random.Random(7)))


def sent(request: httpx.Request) -> Any:
    return orjson.loads(request.content)


def assert_wire(request: httpx.Request, path: str) -> None:
    assert request.method == "POST"
    assert str(request.url) == DEFAULT_BASE_URL + path
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.url.query == b""


def test_single_upsert_wraps_the_subscriber_and_omits_none() -> None:
    server = Server()
    with sync_client(server) as bt:
        assert bt.create_or_update_subscriber("a@x.io", name="A", tags=("t1", "t2"),
                                              birthday="1990-04-30", website="") == {}
    [request] = server.requests
    assert_wire(request, SINGLE)
    assert sent(request) == {"subscriber": {"email": "a@x.io", "name": "A", "website": "",
                                            "birthday": "1990-04-30", "tags": ["t1", "t2"]}}


def test_batch_sends_the_list_as_is() -> None:
    server = Server()
    rows = [{"email": "a@x.io", "name": "A"}, {"email": "b@x.io"}]
    sync_client(server).create_or_update_subscribers(iter(rows))
    assert_wire(server.requests[0], MANY)
    assert sent(server.requests[0]) == {"subscribers": rows}


def test_create_or_update_all_chunks() -> None:
    server = Server()
    n = sync_client(server).create_or_update_all(({"email": f"{i}@x.io"} for i in range(5)),
                                                 batch_size=2)
    assert n == 3
    assert [len(sent(r)["subscribers"]) for r in server.requests] == [2, 2, 1]


def test_base_url_is_replaced_for_the_sandbox() -> None:
    server = Server()
    Botamp(KEY, base_url="http://127.0.0.1:8025/botamp/",
           transport=httpx.MockTransport(server)).create_or_update_subscriber("a@x.io")
    assert str(server.requests[0].url) == "http://127.0.0.1:8025/botamp" + SINGLE


def test_errors_are_typed_and_not_retried() -> None:
    server = Server((400, {"error": "Email does not exist"}))
    with pytest.raises(InvalidRequest) as bad:
        sync_client(server).create_or_update_subscriber("a@x.test")
    assert bad.value.body == {"error": "Email does not exist"}
    server = Server((401, {"error": "Unauthorized"}))
    with pytest.raises(AuthError):
        sync_client(server).create_or_update_subscribers([{"email": "a@x.io"}])
    assert len(server.requests) == 1 and server.sleeps == []


def test_server_errors_are_retried_then_raised() -> None:
    server = Server((503, {"error": "busy"}), (200, {}))
    assert sync_client(server).create_or_update_subscriber("a@x.io") == {}
    assert len(server.requests) == 2 and len(server.sleeps) == 1
    server = Server((500, {"error": "x"}))
    with pytest.raises(ServerError):
        sync_client(server, retry=RetryPolicy(attempts=2)).create_or_update_subscriber("a@x.io")
    assert len(server.requests) == 2


@pytest.mark.anyio
async def test_async_client_sends_the_same_requests() -> None:
    server = Server()
    async with async_client(server) as bt:
        assert await bt.create_or_update_subscriber("a@x.io", country="FR") == {}
        assert await bt.create_or_update_subscribers([{"email": "b@x.io"}]) == {}
        assert await bt.create_or_update_all([{"email": "c@x.io"}] * 3, batch_size=2) == 2
    assert_wire(server.requests[0], SINGLE)
    assert sent(server.requests[0]) == {"subscriber": {"email": "a@x.io", "country": "FR"}}
    assert_wire(server.requests[1], MANY)
    assert len(server.requests) == 4


@pytest.mark.anyio
async def test_async_errors_are_typed() -> None:
    server = Server((401, {"error": "Unauthorized"}))
    with pytest.raises(AuthError):
        await async_client(server).create_or_update_subscriber("a@x.io")


def test_against_the_fake(botamp_mock: BotampMock) -> None:
    bt = botamp_mock.client()
    bt.create_or_update_subscriber("client@acme.fr", name="Client", tags=["a"])
    bt.create_or_update_subscriber("CLIENT@acme.fr", website="", tags=["b"])
    s = botamp_mock.subscriber("client@acme.fr")
    assert s is not None
    assert (s.name, s.website, s.tags) == ("Client", None, ["a", "b"])
