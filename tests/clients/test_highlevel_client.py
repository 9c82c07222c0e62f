"""The thin HighLevel client: headers, names, paging parameters, errors; sync and async."""
from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, RetryPolicy
from mailmocks.clients.highlevel import AsyncHighLevel, HighLevel, camel
from mailmocks.testing.highlevel import Mock as HighLevelMock

BLOG = "zLTDthc4YJph2m42VEAU"


def recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return seen, httpx.MockTransport(answer)


def test_camel_names() -> None:
    assert camel("image_alt_text") == "imageAltText"
    assert camel("raw_html") == "rawHTML" and camel("import_url") == "importURL"
    assert camel("type_") == "type" and camel("location_id") == "locationId"


def test_every_request_sends_bearer_and_version() -> None:
    seen, transport = recording()
    hl = HighLevel("pit-abc", transport=transport)
    hl.get_blogs("LOC", skip=2, limit=3)
    hl.update_blog_post("P1", "LOC", raw_html="<p/>", word_count=1, tags=("a", "b"))
    hl.delete_template("LOC", "T1")
    v3 = HighLevel("pit-abc", transport=transport, version="v3")
    v3.fetch_campaigns("LOC", limited_fields=True)
    for request in seen:
        assert request.headers["authorization"] == "Bearer pit-abc"
        assert request.headers["accept"] == "application/json"
    assert [r.headers["version"] for r in seen] == ["2021-07-28"] * 3 + ["v3"]
    assert str(seen[0].url) == ("https://services.leadconnectorhq.com/blogs/site/all"
                                "?locationId=LOC&skip=2&limit=3")
    assert seen[1].method == "PUT" and seen[1].url.path == "/blogs/posts/P1"
    assert orjson.loads(seen[1].content) == {"locationId": "LOC", "rawHTML": "<p/>",
                                             "wordCount": 1, "tags": ["a", "b"]}
    assert seen[2].method == "DELETE" and seen[2].url.path == "/emails/builder/LOC/T1"
    assert seen[3].url.params["limitedFields"] == "true"


def test_sync_client_against_the_fake(highlevel_mock: HighLevelMock) -> None:
    hl = highlevel_mock.client()
    loc = highlevel_mock.location_id
    assert hl.get_blog_posts(loc, BLOG, limit=2, offset=0)["blogs"]
    assert hl.check_url_slug_exists(loc, "welcome") == {"exists": True}
    with pytest.raises(AuthError) as info:
        highlevel_mock.client("pit-unknown").get_blogs(loc)
    assert info.value.status == 401 and "HTTP 401 GET /highlevel/blogs/site/all" in str(info.value)
    with pytest.raises(InvalidRequest) as bad:
        hl.get_blog_posts(loc, BLOG, limit=-1)
    assert bad.value.body["message"] == ["limit must not be less than 0"]


def test_async_client_against_the_fake(highlevel_mock: HighLevelMock) -> None:
    async def scenario() -> None:
        transport = httpx.ASGITransport(app=highlevel_mock.sandbox)
        async with AsyncHighLevel(highlevel_mock.token, base_url=highlevel_mock.base_url,
                                  transport=transport,
                                  retry=RetryPolicy(attempts=1)) as hl:
            loc = highlevel_mock.location_id
            created = await hl.create_template(loc, "html", name="Async")
            saved = await hl.update_template(loc, created["redirect"], updated_by="me",
                                             html="<b>hi</b>")
            assert saved["ok"] == "true"
            names = [t["name"] for t in (await hl.fetch_template(loc, limit=1))["builders"]]
            assert names == ["Async"]
            assert (await hl.delete_template(loc, created["redirect"]))["ok"] == "true"
            with pytest.raises(AuthError):
                await hl.get_blogs(highlevel_mock.other_location_id)

    asyncio.run(scenario())


def test_email_api_v3_requests_send_version_v3_and_camel_case() -> None:
    seen, transport = recording()
    hl = HighLevel("pit-abc", transport=transport)  # default Version 2021-07-28
    hl.list_email_templates("LOC", folder_id="root", archived=False, limit=5)
    hl.update_email_template("LOC", "T1", parent_folder_id="", from_name="Box office")
    hl.schedule_campaign("LOC", "C1", schedule_type="scheduled", user_id="U",
                         email_meta={"subject": "s", "fromName": "n", "fromEmail": "e"},
                         recipients={"type": "tag", "tagIds": ["t"]},
                         schedule_config={"sendAt": "2026-05-01T12:00:00Z"})
    hl.get_campaign_stats("LOC", "workflow-campaigns", "S1", sub_source_id="STEP")
    hl.fetch_template("LOC")
    assert [r.headers["version"] for r in seen] == ["v3"] * 4 + ["2021-07-28"]
    assert str(seen[0].url).endswith(
        "/emails/locations/LOC/templates?folderId=root&archived=false&limit=5")
    assert seen[1].method == "PATCH" and orjson.loads(seen[1].content) == {
        "parentFolderId": None, "fromName": "Box office"}
    assert orjson.loads(seen[2].content) == {
        "scheduleType": "scheduled", "emailMeta": {"subject": "s", "fromName": "n",
                                                   "fromEmail": "e"},
        "recipients": {"type": "tag", "tagIds": ["t"]}, "userId": "U", "timeZone": "UTC",
        "scheduleConfig": {"sendAt": "2026-05-01T12:00:00Z"}}
    assert seen[2].url.path == "/emails/locations/LOC/campaigns/emails/C1/schedule"
    assert seen[3].url.path == "/emails/locations/LOC/campaigns/stats/workflow-campaigns/S1"
    assert seen[3].url.params["subSourceId"] == "STEP"


def test_async_client_drives_the_email_api_v3(highlevel_mock: HighLevelMock) -> None:
    async def scenario() -> None:
        transport = httpx.ASGITransport(app=highlevel_mock.sandbox)
        async with AsyncHighLevel(highlevel_mock.token, base_url=highlevel_mock.base_url,
                                  transport=transport,
                                  retry=RetryPolicy(attempts=1)) as hl:
            loc = highlevel_mock.location_id
            made = await hl.create_email_template(loc, "Async v3", editor_content="<p/>")
            campaign = await hl.create_email_campaign(loc, "Async campaign", user_id="me",
                                                      template_id=made["id"])
            out = await hl.schedule_campaign(
                loc, campaign["id"], schedule_type="immediate", user_id="me",
                email_meta={"subject": "s", "fromName": "n", "fromEmail": "n@x.test"},
                recipients={"type": "contact", "contactIds": ["ctMaja0000aurora00001"]})
            highlevel_mock.drain()
            stats = await hl.get_campaign_stats(loc, "email-campaigns", out["sourceId"])
            assert stats["stats"]["delivered"] == 1
            assert (await hl.delete_email_template(loc, made["id"]))["deleted"] is True

    asyncio.run(scenario())
