"""HighLevel's v3 Email API (handlers/emails_v3.py, `Version: v3`): templates shared with
the builder, email campaigns and their scheduling, statistics, workflow campaigns and bulk
actions. Facts: docs/vendors/highlevel.md §5.6; decisions: contracts/highlevel.yaml, V1-V11.
The sends themselves (on the clock, into the outbox) are in test_jobs.py."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from mailmocks.clients.base import ApiError, AuthError, InvalidRequest, NotFound
from mailmocks.core import Job
from mailmocks.testing.highlevel import Mock as HighLevelMock

NOT_FOUND = {"statusCode": 404, "message": "Not Found",
             "error": "The requested resource was not found"}
USER = "zYy3YOUuHxgomU1uYJty"
MAJA, OLIVER, EMMA, NOAH, IDA = ("ctMaja0000aurora00001", "ctOliv0000aurora00002",
                                 "ctEmma0000aurora00003", "ctNoah0000aurora00004",
                                 "ctIda00000aurora00005")
VIP, NEWSLETTER = "tgVip01aurora000000001", "tgNews01aurora00000002"
META = {"subject": "Hi {{contact.first_name}}", "fromName": "Aurora Events",
        "fromEmail": "hello@aurora-events.test"}
V3 = "/emails/locations"


def v3_headers(mock: HighLevelMock, version: str = "v3",
               token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or mock.token}", "Version": version}


# -- templates ---------------------------------------------------------------------------------
def test_v3_templates_are_builder_templates_both_ways(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    made = hl.create_email_template(loc, "Ticket receipt", editor_content="<p>Thanks</p>",
                                    subject_line="Your tickets", from_name="Aurora",
                                    from_email="hi@aurora.test", user_id=USER)
    assert highlevel_mock.last_status == 201
    assert (made["name"], made["editorType"], made["isPlainText"]) == (
        "Ticket receipt", "html", False)
    builders = hl.fetch_template(loc, limit=50)["builders"]
    assert made["id"] in [b["id"] for b in builders]  # v3 -> builder
    assert highlevel_mock.http.get(made["previewUrl"].removeprefix(
        highlevel_mock.base_url)).text == "<p>Thanks</p>"
    tid = hl.create_template(loc, "html", name="From the builder")["redirect"]
    items = hl.list_email_templates(loc, limit=20)["items"]
    assert tid in [i["id"] for i in items]  # builder -> v3
    got = hl.get_email_template(loc, tid)
    assert (got["name"], got["editorType"], got["deleted"]) == ("From the builder", "html",
                                                                 False)
    hl.delete_email_template(loc, made["id"])
    assert made["id"] not in [b["id"] for b in hl.fetch_template(loc, limit=50)["builders"]]
    hl.delete_template(loc, tid)  # builder delete, v3 no longer finds it
    with pytest.raises(NotFound) as info:
        hl.get_email_template(loc, tid)
    assert info.value.body == NOT_FOUND


def test_list_templates_filters_sorts_and_pages(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    body = hl.list_email_templates(loc)
    assert set(body) == {"items", "total", "traceId"} and body["total"] == 4
    assert [i["name"] for i in body["items"]] == ["Monthly digest", "Event reminder",
                                                  "Welcome - new attendee", "Newsletters"]
    folder = body["items"][3]
    assert (folder["type"], folder["childCount"], folder["hasChildren"]) == ("folder", 1, True)
    assert body["items"][1]["editorType"] == "builder"
    assert [i["name"] for i in hl.list_email_templates(loc, folder_id="root")["items"]] == [
        "Event reminder", "Welcome - new attendee", "Newsletters"]
    assert [i["name"] for i in hl.list_email_templates(loc, folder_id=folder["id"])[
        "items"]] == ["Monthly digest"]
    assert [i["name"] for i in hl.list_email_templates(loc, include="folders")["items"]] == [
        "Newsletters"]
    assert hl.list_email_templates(loc, include="templates")["total"] == 3
    assert [i["name"] for i in hl.list_email_templates(loc, archived=True)["items"]] == [
        "Old promo 2024"]
    asc = hl.list_email_templates(loc, sort_by="updatedAt", sort_order="asc", limit=2,
                                  offset=1)
    assert [i["name"] for i in asc["items"]] == ["Welcome - new attendee", "Event reminder"]
    assert asc["total"] == 4
    assert [i["name"] for i in hl.list_email_templates(loc, search="DIGEST")["items"]] == [
        "Monthly digest"]


def test_folders_import_and_update(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    folder = hl.create_template_folder(loc, "Receipts", user_id=USER)
    assert set(folder) == {"id", "name", "createdAt", "updatedAt", "traceId"}
    imported = hl.import_email_template(loc, "mailchimp", "https://tplshare.com/fhYJ3Mi",
                                        parent_folder_id=folder["id"])
    assert imported["name"] == "Imported from mailchimp"
    assert imported["parentFolderId"] == folder["id"]
    assert "tplshare.com/fhYJ3Mi" in highlevel_mock.http.get(
        imported["previewUrl"].removeprefix(highlevel_mock.base_url)).text
    with pytest.raises(NotFound):
        hl.get_email_template(loc, folder["id"])  # a folder is no email template
    updated = hl.update_email_template(loc, imported["id"], name="Receipt",
                                       editor_content="Plain {{contact.first_name}}",
                                       editor_type="text", from_name="Box office",
                                       archived=True)
    assert (updated["name"], updated["editorType"], updated["isPlainText"],
            updated["archived"], updated["fromName"]) == ("Receipt", "text", True, True,
                                                          "Box office")
    moved = hl.update_email_template(loc, imported["id"], parent_folder_id="")
    assert "parentFolderId" not in moved
    with pytest.raises(InvalidRequest) as pair:
        hl.update_email_template(loc, imported["id"], editor_content="<p/>")
    assert pair.value.body["message"] == ["editorType should not be empty"]
    with pytest.raises(NotFound):
        hl.update_email_template(loc, imported["id"], parent_folder_id="noSuchFolder")
    hl.update_email_template(loc, imported["id"], parent_folder_id=folder["id"])
    assert hl.delete_email_template(loc, folder["id"])["deleted"] is True
    assert "parentFolderId" not in hl.get_email_template(loc, imported["id"])  # to the top
    with pytest.raises(NotFound):
        hl.create_email_template(loc, "x", parent_folder_id="noSuchFolder")
    with pytest.raises(InvalidRequest) as bad:
        hl.create_email_template(loc, "", editor_type="pdf")
    assert bad.value.body["message"] == [
        "name should not be empty", "editorType must be one of the following values: html, text"]
    with pytest.raises(InvalidRequest) as imp:
        hl.import_email_template(loc, "kajabi", "https://x.test")
    assert imp.value.body["message"] == [
        "importProvider must be one of the following values: mailchimp, active_campaign"]
    with pytest.raises(NotFound):
        hl.delete_email_template(loc, "noSuchTemplate000000")


def test_v3_needs_a_published_version_scopes_and_location(highlevel_mock: HighLevelMock
                                                         ) -> None:
    mock, loc = highlevel_mock, highlevel_mock.location_id
    path = f"{V3}/{loc}/templates"
    assert mock.http.get(path, headers=v3_headers(mock)).status_code == 200
    bad = mock.http.get(path, headers=v3_headers(mock, "v2"))
    assert (bad.status_code, bad.json()) == (401, {"statusCode": 401,
                                                   "message": "version header is invalid"})
    ro = mock.client(mock.readonly_token)
    assert ro.list_email_campaigns(loc)["total"] == 4  # reads
    with pytest.raises(AuthError) as scope:
        ro.create_email_template(loc, "No")
    assert scope.value.body == {"statusCode": 401,
                                "message": "The token is not authorized for this scope."}
    with pytest.raises(AuthError) as other:
        mock.client().list_email_templates(mock.other_location_id)
    assert other.value.status == 403
    answer = mock.http.get(path, headers=v3_headers(mock))
    assert answer.headers["X-RateLimit-Max"] == "100"
    extra = mock.http.get(path, params={"skip": 0}, headers=v3_headers(mock))
    assert extra.json()["message"] == ["property skip should not exist"]


# -- email campaigns -------------------------------------------------------------------------
def test_campaign_crud_and_lifecycle(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    listed = hl.list_email_campaigns(loc)
    assert listed["total"] == 4
    assert [c["status"] for c in listed["campaigns"]] == ["draft", "paused", "sent",
                                                          "cancelled"]
    welcome = next(t for t in highlevel_mock.location.templates
                   if t.name == "Welcome - new attendee")
    made = hl.create_email_campaign(loc, "Autumn news", user_id=USER,
                                    time_zone="Europe/Copenhagen", template_id=welcome.id)
    assert highlevel_mock.last_status == 201
    assert (made["status"], made["deleted"], len(made["id"])) == ("draft", False, 24)
    got = hl.get_email_campaign(loc, made["id"])
    content = highlevel_mock.http.get(got["editorContentUrl"].removeprefix(
        highlevel_mock.base_url))
    assert content.text == welcome.html
    renamed = hl.update_email_campaign(loc, made["id"], name="Autumn newsletter",
                                       editor_content="<p>Hej {{contact.first_name}}</p>",
                                       editor_type="html")
    assert renamed["name"] == "Autumn newsletter"
    assert [c["name"] for c in hl.list_email_campaigns(loc, search="autumn")["campaigns"]] == [
        "Autumn newsletter"]
    assert hl.list_email_campaigns(loc, status="draft", limit=1)["total"] == 2
    with pytest.raises(InvalidRequest) as limit:
        hl.list_email_campaigns(loc, limit=21)
    assert limit.value.body["message"] == ["limit must not be greater than 20"]
    sent = next(c for c in listed["campaigns"] if c["status"] == "sent")
    with pytest.raises(InvalidRequest) as not_draft:
        hl.update_email_campaign(loc, sent["id"], name="x")
    assert not_draft.value.body == {"statusCode": 400,
                                    "message": "Only draft campaigns can be updated",
                                    "error": "Bad Request"}
    with pytest.raises(InvalidRequest) as tz:
        hl.create_email_campaign(loc, "x", user_id=USER, time_zone="Mars/Olympus")
    assert tz.value.body["message"] == ["timeZone must be a valid IANA time zone"]
    with pytest.raises(NotFound):
        hl.create_email_campaign(loc, "x", user_id=USER, template_id="noSuchTemplate000000")
    assert hl.delete_campaign(loc, made["id"])["deleted"] is True
    with pytest.raises(NotFound) as gone:
        hl.get_email_campaign(loc, made["id"])
    assert gone.value.body == NOT_FOUND


def test_schedule_errors(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    draft = hl.create_email_campaign(loc, "Empty", user_id=USER)
    base: dict[str, Any] = {"email_meta": META, "user_id": USER}
    with pytest.raises(InvalidRequest) as empty:
        hl.schedule_campaign(loc, draft["id"], schedule_type="immediate",
                             recipients={"type": "contact", "contactIds": [MAJA]}, **base)
    assert empty.value.body == {"statusCode": 400, "message": "Campaign has no content",
                                "error": "Bad Request"}
    hl.update_email_campaign(loc, draft["id"], editor_content="<p/>", editor_type="html")
    with pytest.raises(InvalidRequest) as conditional:
        hl.schedule_campaign(loc, draft["id"], schedule_type="batch",
                             recipients={"type": "tag"}, **base)
    assert conditional.value.body["message"] == [
        "recipients.tagIds should not be empty", "scheduleConfig.sendAt should not be empty",
        "scheduleConfig.batch should not be empty"]
    with pytest.raises(InvalidRequest) as strangers:
        hl.schedule_campaign(loc, draft["id"], schedule_type="immediate",
                             recipients={"type": "contact", "contactIds": ["nobody"]}, **base)
    assert strangers.value.body["message"] == [
        "recipients.contactIds must be contacts of this location"]
    with pytest.raises(InvalidRequest) as tags:
        hl.schedule_campaign(loc, draft["id"], schedule_type="immediate",
                             recipients={"type": "tag", "tagIds": ["nope"]}, **base)
    assert tags.value.body["message"] == ["recipients.tagIds must be tags of this location"]
    with pytest.raises(NotFound):
        hl.schedule_campaign(loc, "6650ffff0000000000000000", schedule_type="immediate",
                             recipients={"type": "contact", "contactIds": [MAJA]}, **base)
    assert campaign_jobs(highlevel_mock) == []  # nothing scheduled by a refused request
    hl.schedule_campaign(loc, draft["id"], schedule_type="scheduled",
                         recipients={"type": "contact", "contactIds": [MAJA]},
                         schedule_config={"sendAt": "2099-01-01T00:00:00Z"}, **base)
    assert len(campaign_jobs(highlevel_mock)) == 1
    with pytest.raises(ApiError) as twice:
        hl.schedule_campaign(loc, draft["id"], schedule_type="immediate",
                             recipients={"type": "contact", "contactIds": [MAJA]}, **base)
    assert twice.value.status == 409
    hl.delete_campaign(loc, draft["id"])  # deleting cancels the pending send
    assert campaign_jobs(highlevel_mock) == []


def campaign_jobs(mock: HighLevelMock) -> list[Job]:
    return [j for j in mock.jobs.pending() if j.name.startswith("highlevel:campaign:")]


# -- statistics, workflows, bulk actions --------------------------------------------------------
def test_stats_workflows_and_bulk_actions(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    sent = hl.list_email_campaigns(loc, status="sent")["campaigns"][0]
    numbers = hl.get_campaign_stats(loc, "email-campaigns", sent["sourceId"])
    assert numbers["stats"]["delivered"] == 3 and numbers["stats"]["opened"] == 2
    assert numbers["stats"]["openRate"] == 66.67
    assert hl.get_campaign_stats(loc, "email-campaigns", sent["id"])["stats"] == numbers[
        "stats"]
    flows = hl.list_workflow_campaigns(loc)
    assert flows["total"] == 2 and [w["status"] for w in flows["campaigns"]] == [
        "draft", "published"]
    assert hl.list_workflow_campaigns(loc, status="published", search="WELCOME")["total"] == 1
    flow = hl.get_workflow_campaign(loc, flows["campaigns"][1]["id"])
    steps = flow["subSources"]
    assert [s["name"] for s in steps] == ["Welcome email", "Event reminder"]
    whole = hl.get_campaign_stats(loc, "workflow-campaigns", flow["sourceId"])
    assert whole["stats"]["delivered"] == 260 and whole["stats"]["opened"] == 166
    step = hl.get_campaign_stats(loc, "workflow-campaigns", flow["sourceId"], steps[1]["id"])
    assert step["subSourceId"] == steps[1]["id"] and step["stats"]["clicked"] == 12
    with pytest.raises(NotFound):
        hl.get_campaign_stats(loc, "workflow-campaigns", flow["sourceId"], "noSuchStep")
    with pytest.raises(InvalidRequest) as sub:
        hl.get_campaign_stats(loc, "email-campaigns", sent["sourceId"], "step")
    assert sub.value.body["message"] == [
        "subSourceId is only valid when source is workflow-campaigns"]
    bulk = hl.list_bulk_action_campaigns(loc)
    assert [b["status"] for b in bulk["campaigns"]] == ["scheduled", "processing", "complete"]
    assert bulk["campaigns"][2]["emailMetadata"]["subject"] == "Venue update"
    assert "completedAt" in bulk["campaigns"][2]
    assert hl.list_bulk_action_campaigns(loc, status="complete")["total"] == 1
    recent = hl.list_bulk_action_campaigns(loc, date_from=_days_ago(highlevel_mock, 5))
    assert recent["total"] == 2
    one = hl.get_bulk_action_campaign(loc, bulk["campaigns"][2]["id"])
    assert one["fromName"] == "Aurora Events" and one["editorContentUrl"]
    bulk_stats = hl.get_campaign_stats(loc, "bulk-actions", one["sourceId"])
    assert bulk_stats["stats"]["delivered"] == 320
    unknown: list[Callable[[], Any]] = [
        lambda: hl.get_workflow_campaign(loc, "none"),
        lambda: hl.get_bulk_action_campaign(loc, "none"),
        lambda: hl.get_campaign_stats(loc, "bulk-actions", "none")]
    for call in unknown:
        with pytest.raises(NotFound):
            call()


def _days_ago(mock: HighLevelMock, days: int) -> str:
    when = datetime.fromtimestamp(mock.clock.now() - days * 86_400, tz=timezone.utc)
    return when.isoformat().replace("+00:00", "Z")


# -- email addresses (issue 18: a NUL inside an address was accepted) -------------------------
@pytest.mark.parametrize("address", ["hello\x00@aurora.test", "hello@auro\x00ra.test",
                                     "no-at-sign", "a\n@b.test"])
def test_an_address_no_mail_system_takes_is_422(highlevel_mock: HighLevelMock,
                                                address: str) -> None:
    mock, loc = highlevel_mock, highlevel_mock.location_id
    headers = v3_headers(mock)
    made = mock.http.post(f"{V3}/{loc}/templates", headers=headers, json={
        "name": "Bad sender", "editorType": "html", "fromEmail": address})
    assert (made.status_code, made.json()["message"]) == (422, ["fromEmail must be an email"])
    campaign = mock.client().create_email_campaign(loc, "Sender check", user_id=USER,
                                                   editor_type="html", editor_content="<p>x</p>")
    out = mock.http.post(f"{V3}/{loc}/campaigns/emails/{campaign['id']}/schedule",
                         headers=headers, json={
                             "scheduleType": "immediate", "timeZone": "UTC", "userId": USER,
                             "emailMeta": {**META, "fromEmail": address,
                                           "replyToAddress": address},
                             "recipients": {"type": "contact", "contactIds": [MAJA]}})
    assert (out.status_code, out.json()["message"]) == (
        422, ["emailMeta.fromEmail must be an email", "emailMeta.replyToAddress must be an email"])
    mock.drain()
    assert mock.outbox.messages("highlevel") == []
    names = [t["name"] for t in mock.client().list_email_templates(loc, limit=20)["items"]]
    assert "Bad sender" not in names


def test_an_empty_template_sender_is_still_accepted(highlevel_mock: HighLevelMock) -> None:
    """Template senders are settings (the response always carries one, "" by default)."""
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    made = hl.create_email_template(loc, "No sender yet", from_email="")
    assert hl.update_email_template(loc, made["id"], from_email="hi@aurora.test")[
        "fromEmail"] == "hi@aurora.test"
