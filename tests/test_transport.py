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
