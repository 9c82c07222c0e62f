"""A sandbox built behind a bound port (`mailmocks serve`): requests wait for their API's
world instead of meeting a 404, and the APIs end up in the registry's order."""
from __future__ import annotations

import asyncio

import httpx

from mailmocks.sandbox import Sandbox


def test_requests_during_the_build_wait_for_their_api() -> None:
    box = Sandbox(["convertkit", "botamp", "highlevel"], build=False)
    done: list[bool] = []

    async def run() -> list[int]:
        box.build_later(done=lambda: done.append(True))
        transport = httpx.ASGITransport(app=box)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            answers = await asyncio.gather(
                http.get("/highlevel/blogs/authors", params={"locationId": "x"}),
                http.get("/convertkit/v3/forms", params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"}),
                http.get("/nope/x"))
        while not done:
            await asyncio.sleep(0.01)
        return [a.status_code for a in answers]

    highlevel, convertkit, unknown = asyncio.run(run())
    assert highlevel == 401 and convertkit == 200  # the vendors' answers, not the router's 404
    assert unknown == 404
    assert list(box.apps) == ["convertkit", "botamp", "highlevel"] and box.build_error is None
    box.reset()  # waits for nothing now, rebuilds in place
    assert list(box.apps) == ["convertkit", "botamp", "highlevel"]


def test_a_vendor_host_request_during_the_build_reaches_its_fake() -> None:
    box = Sandbox(["convertkit", "botamp"], build=False)
    assert box.host_routes == {}  # no vendor package imported before the port is bound

    async def run() -> int:
        box.build_later()
        transport = httpx.ASGITransport(app=box)
        async with httpx.AsyncClient(transport=transport,
                                     base_url="https://api.convertkit.com") as http:
            answer = await http.get("/v3/forms", params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"})
        return answer.status_code

    assert asyncio.run(run()) == 200
    assert box.host_routes["api.convertkit.com"] == "convertkit"
