"""The Parcelvoy client: requests it builds (httpx.MockTransport) and the async twin against
the fake over httpx's ASGI transport."""
from __future__ import annotations

import inspect
from typing import Any

import anyio
import httpx
import orjson
import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, NotFound
from mailmocks.clients.parcelvoy import AsyncParcelvoy, Parcelvoy, _Operations
from mailmocks.testing import make_mock
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

KEY = "sk_test-key"


def recorder(*replies: httpx.Response) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []
    queue = list(replies)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if queue else httpx.Response(204)
    return seen, httpx.MockTransport(handle)


def test_requests_carry_the_bearer_key_and_only_given_fields() -> None:
    seen, transport = recorder()
    pv = Parcelvoy(KEY, "https://pv.example.com/", transport=transport)
    assert pv.identify(external_id="u1", email="a@b.c") is None
    pv.delete_users(["a", "b"])
    pv.get_user("a/b c")
    req = seen[0]
    assert (req.method, str(req.url)) == ("POST", "https://pv.example.com/api/client/identify")
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert orjson.loads(req.content) == {"external_id": "u1", "email": "a@b.c"}
    assert str(seen[1].url).endswith("/api/client/users?user_id=a&user_id=b")
    assert seen[2].url.raw_path == b"/api/client/users/a%2Fb%20c"


def test_trigger_sends_an_event_even_when_none_is_given() -> None:
    seen, transport = recorder(httpx.Response(200, json={"success": True}))
    pv = Parcelvoy(KEY, "https://pv.example.com", transport=transport)
    assert pv.trigger_campaign(44, {"external_id": "x"}) == {"success": True}
    assert orjson.loads(seen[0].content) == {"user": {"external_id": "x"}, "event": {}}


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"status": "error", "error": "Authorization error.", "code": 1000}, AuthError),
    (403, {"status": "error", "error": "Access denied.", "code": 1007}, AuthError),
    (404, "Not Found", NotFound),
    (422, {"status": "error", "error": "Must have required property 'event'"}, InvalidRequest),
])
def test_errors_map_to_exceptions(status: int, body: Any, kind: type[Exception]) -> None:
    reply = (httpx.Response(status, text=body) if isinstance(body, str)
             else httpx.Response(status, json=body))
    _, transport = recorder(reply)
    with pytest.raises(kind) as info:
        Parcelvoy(KEY, "https://pv.example.com", transport=transport).get_campaign(1)
    assert info.value.body == body  # type: ignore[attr-defined]


def test_iterate_follows_next_cursor() -> None:
    pages = [httpx.Response(200, json={"results": [{"id": 3}, {"id": 2}], "nextCursor": "2",
                                       "limit": 2}),
             httpx.Response(200, json={"results": [{"id": 1}], "prevCursor": "1", "limit": 2})]
    seen, transport = recorder(*pages)
    pv = Parcelvoy(KEY, "https://pv.example.com", transport=transport)
    assert [u["id"] for u in pv.iterate(pv.list_users, limit=2)] == [3, 2, 1]
    assert seen[1].url.params["cursor"] == "2"


def test_every_operation_of_the_contract_has_a_method() -> None:
    from mailmocks.apis import load
    ops = set(load("parcelvoy").contract.operations)
    methods = {n for n, _ in inspect.getmembers(_Operations, inspect.isfunction)}
    assert ops <= methods


def test_async_client_against_the_fake() -> None:
    mock = make_mock(ParcelvoyMock)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=mock.sandbox)
        async with AsyncParcelvoy(mock.secret_key, "http://mailmocks.test/parcelvoy",
                                  transport=transport) as pv:
            assert await pv.trigger_campaign(44, {"external_id": "async-1",
                                                  "email": "async@example.com"},
                                             {"purchase_amount": 1}) == {"success": True}
            mock.drain()
            assert (await pv.get_user("async-1"))["email"] == "async@example.com"
            ids = [u["id"] async for u in pv.iterate(pv.list_users, limit=10)]
            assert len(ids) == 34
            with pytest.raises(NotFound):
                await pv.get_campaign(999)

    anyio.run(scenario)
    [msg] = mock.outbox.messages("parcelvoy")
    assert msg.to == "async@example.com"
