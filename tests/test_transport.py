"""The sync in-process transport: driven from the calling thread, or from its own loop thread
when the caller is inside a running event loop; concurrent callers all get their answers."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mailmocks.transport import SyncASGITransport


async def where(request: Request) -> JSONResponse:
    await asyncio.sleep(0)
    return JSONResponse({"thread": threading.current_thread().name,
                         "n": int(request.query_params.get("n", "0"))})


APP = Starlette(routes=[Route("/", where)])


def test_a_plain_caller_drives_the_loop_itself() -> None:
    transport = SyncASGITransport(APP)
    with httpx.Client(transport=transport, base_url="http://t") as client:
        assert client.get("/").json()["thread"] == threading.current_thread().name


def test_a_caller_inside_a_running_loop_is_served_by_the_loop_thread() -> None:
    transport = SyncASGITransport(APP)
    client = httpx.Client(transport=transport, base_url="http://t")

    async def inside() -> str:
        return str(client.get("/").json()["thread"])

    assert asyncio.run(inside()) == "mailmocks-asgi"
    assert client.get("/?n=2").json()["n"] == 2  # and it keeps working from the thread
    client.close()


def test_concurrent_callers_all_get_their_own_answer() -> None:
    with httpx.Client(transport=SyncASGITransport(APP), base_url="http://t") as client:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda n: client.get("/", params={"n": n}).json()["n"],
                                range(64)))
    assert got == list(range(64))


class _Finder:
    """A meta-path finder that only records what was looked up."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        self.names.append(name)


def test_an_in_process_call_imports_nothing() -> None:
    # a module imported inside the call path and missing (httpx's ASGITransport asks for
    # sniffio on every request) would search sys.path per call: most of a call's cost
    import sys

    from mailmocks.testing import make_mock
    from mailmocks.testing.convertkit import Mock as ConvertKitMock

    mock = make_mock(ConvertKitMock)
    params = {"api_key": mock.api_key}
    subscribe = f"/v3/forms/{next(iter(mock.account.forms)).id}/subscribe"
    assert mock.http.get("/v3/forms", params=params).status_code == 200
    assert mock.http.post(subscribe, json={"api_key": mock.api_key,
                                           "email": "warm@example.com"}).status_code == 200
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        for n in range(3):
            assert mock.http.get("/v3/forms", params=params).status_code == 200
            assert mock.http.post(subscribe, json={"api_key": mock.api_key,
                                                   "email": f"u{n}@example.com"}).status_code == 200
    finally:
        sys.meta_path.remove(finder)
    assert finder.names == []
