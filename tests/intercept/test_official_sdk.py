"""The official HighLevel SDK (`gohighlevel-api-client`), not changed at all: its built-in
https://services.leadconnectorhq.com reaches the in-process fake through interception, and
its requests are checked against the contract like any production code's. Skipped when the
SDK is not installed (it is not a dependency of mailmocks)."""
from __future__ import annotations

import asyncio

import pytest

from mailmocks.testing import HighLevelMock

sdk = pytest.importorskip("highlevel")

BLOG = "zLTDthc4YJph2m42VEAU"


def test_the_unchanged_sdk_reaches_the_fake(highlevel_mock: HighLevelMock) -> None:
    async def scenario() -> dict[str, object]:
        ghl = sdk.HighLevel(private_integration_token=highlevel_mock.token, log_level="error")
        result: dict[str, object] = await ghl.blogs.get_blogs(
            location_id=highlevel_mock.location_id, skip=0, limit=5)
        return result

    sites = asyncio.run(scenario())
    assert isinstance(sites["data"], list) and sites["data"][0]["_id"] == BLOG
    [call] = highlevel_mock.assert_called("get_blogs", times=1)
    assert call.host == "services.leadconnectorhq.com" and call.problems == ()
