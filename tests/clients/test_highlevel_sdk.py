"""The official Python SDK (`gohighlevel-api-client`) pointed at the fake, base URL changed.

It sends `Version: v3` and a Private Integration Token; its Blogs service calls the same seven
paths. Its Emails service targets the v3 Email API (other paths), so only Blogs is exercised.
Skipped when the SDK is not installed (it is not a dependency of mailmocks).
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

sdk = pytest.importorskip("highlevel")
GHLError = pytest.importorskip("highlevel.error").GHLError

BLOG = "zLTDthc4YJph2m42VEAU"
MUSIC, MAJA = "6683abde331c041f32c07aee", "659ec9634a3796e4e47cc360"


def test_official_sdk_blogs_against_the_live_fake(highlevel_live: Any) -> None:
    mock = highlevel_live

    class Local(sdk.HighLevel):  # type: ignore[misc, name-defined]
        BASE_URL = mock.base_url  # the only change

    async def scenario() -> None:
        ghl = Local(private_integration_token=mock.token, log_level="error")
        blogs = ghl.blogs
        loc = mock.location_id
        sites = await blogs.get_blogs(location_id=loc, skip=0, limit=5)
        assert [s["_id"] for s in sites["data"]][0] == BLOG
        every = await blogs.get_blog_post(location_id=loc, blog_id=BLOG, limit=50, offset=0,
                                          status="ALL")  # v3 knows ALL
        assert len(every["blogs"]) == 28
        cats = await blogs.get_all_categories_by_location(location_id=loc, limit=5, offset=0)
        assert cats["categories"][1]["_id"] == MUSIC
        assert (await blogs.check_url_slug_exists(url_slug="welcome", location_id=loc)) == {
            "exists": True}
        created = await blogs.create_blog_post({
            "title": "From the SDK", "locationId": loc, "blogId": BLOG,
            "imageUrl": "https://img.test/sdk.png", "description": "d", "rawHTML": "<p>sdk</p>",
            "status": "DRAFT", "imageAltText": "sdk", "categories": [MUSIC], "author": MAJA,
            "urlSlug": "from-the-sdk", "publishedAt": "2026-06-01T10:00:00.000Z"})
        assert created["data"]["urlSlug"] == "from-the-sdk"
        # The SDK's update cannot fill in {postId} (the spec never declares it), so the
        # request names a post "{postId}" that does not exist: 404, which the SDK raises.
        with pytest.raises(GHLError, match="Blog post not found"):
            await blogs.update_blog_post({"locationId": loc, "title": "x", "wordCount": 1})
        with pytest.raises(GHLError, match="property skip should not exist"):
            await blogs.get_blog_post(location_id=loc, blog_id=BLOG, limit=1, offset=0,
                                      options={"params": {"skip": 0}})

    asyncio.run(scenario())
