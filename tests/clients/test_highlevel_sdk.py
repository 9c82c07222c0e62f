"""The official Python SDK (`gohighlevel-api-client`) pointed at the fake, base URL changed.

It sends `Version: v3` and a Private Integration Token; its Blogs service calls the same seven
paths, its Emails service the v3 Email API (templates, campaigns, statistics). Both run here
against a live fake on 127.0.0.1, no network. Skipped when the SDK is not installed (it is not
a dependency of mailmocks).
"""
from __future__ import annotations

import asyncio

import pytest

from mailmocks.testing.highlevel import Mock as HighLevelMock

sdk = pytest.importorskip("highlevel")
GHLError = pytest.importorskip("highlevel.error").GHLError

BLOG = "zLTDthc4YJph2m42VEAU"
MUSIC, MAJA = "6683abde331c041f32c07aee", "659ec9634a3796e4e47cc360"


def test_official_sdk_blogs_against_the_live_fake(highlevel_live: HighLevelMock) -> None:
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


def test_official_sdk_emails_against_the_live_fake(highlevel_live: HighLevelMock) -> None:
    mock = highlevel_live

    class Local(sdk.HighLevel):  # type: ignore[misc, name-defined]
        BASE_URL = mock.base_url  # the only change

    user, maja = "zYy3YOUuHxgomU1uYJty", "ctMaja0000aurora00001"

    async def scenario() -> None:
        ghl = Local(private_integration_token=mock.token, log_level="error")
        emails, loc = ghl.emails, mock.location_id
        folder = await emails.create_template_folder(loc, {"name": "SDK folder"})
        made = await emails.create_email_template(loc, {
            "name": "SDK template", "editorType": "html", "parentFolderId": folder["id"],
            "editorContent": "<p>Hi {{contact.first_name}}</p>"})
        listed = await emails.list_email_templates(loc, limit=20, folder_id=folder["id"])
        assert [i["id"] for i in listed["items"]] == [made["id"]]
        imported = await emails.import_email_template(loc, {
            "importProvider": "mailchimp", "importUrl": "https://tplshare.com/fhYJ3Mi"})
        got = await emails.get_email_template(loc, made["id"])
        assert got["name"] == "SDK template" and got["parentFolderId"] == folder["id"]
        updated = await emails.update_email_template(loc, made["id"], {"subjectLine": "Hi"})
        assert updated["subjectLine"] == "Hi"
        assert (await emails.delete_email_template(loc, imported["id"]))["deleted"] is True
        campaign = await emails.create_email_campaign(loc, {
            "name": "SDK campaign", "editorType": "html", "templateId": made["id"],
            "timeZone": "Europe/Copenhagen", "userId": user})
        cid = campaign["id"]
        assert (await emails.update_email_campaign(loc, cid, {"name": "SDK news"}))[
            "name"] == "SDK news"
        assert (await emails.get_email_campaign(loc, cid))["status"] == "draft"
        assert (await emails.list_email_campaigns(loc, status="draft"))["total"] == 2
        scheduled = await emails.schedule_campaign(loc, cid, {
            "scheduleType": "immediate", "timeZone": "UTC", "userId": user,
            "emailMeta": {"subject": "News", "fromName": "Aurora", "fromEmail": "a@a.test"},
            "recipients": {"type": "contact", "contactIds": [maja]}})
        mock.drain()
        stats = await emails.get_campaign_stats(loc, "email-campaigns", scheduled["sourceId"])
        assert stats["stats"]["delivered"] == 1
        flows = await emails.list_workflow_campaigns(loc, limit=5)
        flow = await emails.get_workflow_campaign(loc, flows["campaigns"][0]["id"])
        assert flow["subSources"]
        bulk = await emails.list_bulk_action_campaigns(loc, status="complete")
        assert (await emails.get_bulk_action_campaign(loc, bulk["campaigns"][0]["id"]))[
            "status"] == "complete"
        assert (await emails.delete_campaign(loc, cid))["deleted"] is True
        with pytest.raises(GHLError, match="Not Found"):
            await emails.get_email_campaign(loc, cid)

    asyncio.run(scenario())
    sent = mock.outbox.messages("highlevel", kind="campaign")
    assert [(m.to, m.html) for m in sent] == [("maja@example.com", "<p>Hi Maja</p>")]
