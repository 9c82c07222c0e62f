"""HighLevel's Emails before v3 (handlers/emails.py): builder templates (create, save, list,
delete, preview) and the email schedule. Facts: docs/vendors/highlevel.md (E1-E5 of §5,
D-2 and D-10)."""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.highlevel import Mock as HighLevelMock

NOT_FOUND = {"statusCode": 404, "message": "Not Found",
             "error": "The requested resource was not found"}
USER = "zYy3YOUuHxgomU1uYJty"


def test_list_templates_newest_first_without_archived_ones(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    body = hl.fetch_template(loc)
    assert set(body) == {"builders", "traceId"}
    names = [t["name"] for t in body["builders"]]
    assert names == ["Monthly digest", "Event reminder", "Welcome - new attendee", "Newsletters"]
    first = body["builders"][0]
    assert first["previewUrl"] == (f"{highlevel_mock.base_url}/_sandbox/emails/preview/"
                                   f"{first['id']}")
    assert len(first["id"]) == 20 and first["version"] == "2"
    assert [t["name"] for t in hl.fetch_template(loc, sort_by_date="asc", limit=2,
                                                 offset=1)["builders"]] == [
        "Welcome - new attendee", "Event reminder"]
    assert [t["name"] for t in hl.fetch_template(loc, archived=True)["builders"]] == [
        "Old promo 2024"]
    assert "Newsletters" not in [t["name"] for t in hl.fetch_template(
        loc, templates_only=True)["builders"]]
    folder = next(t for t in body["builders"] if t["templateType"] == "folder")
    assert [t["name"] for t in hl.fetch_template(loc, parent_id=folder["id"])["builders"]] == [
        "Monthly digest"]
    assert [t["name"] for t in hl.fetch_template(loc, search="WELCOME")["builders"]] == [
        "Welcome - new attendee"]
    assert hl.fetch_template(loc, name="welcome")["builders"] == []


def test_create_save_preview_delete(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    created = hl.create_template(loc, "html", name="Ticket confirmation", updated_by=USER)
    assert highlevel_mock.last_status == 201
    assert set(created) == {"redirect", "traceId"}
    tid = created["redirect"]
    listed = hl.fetch_template(loc, limit=1)["builders"][0]
    assert (listed["id"], listed["name"], listed["templateType"]) == (
        tid, "Ticket confirmation", "html")
    empty = highlevel_mock.http.get(f"/_sandbox/emails/preview/{tid}")
    assert empty.status_code == 200 and "no content yet" in empty.text
    saved = hl.update_template(loc, tid, updated_by=USER, html="<h1>Your tickets</h1>",
                               preview_text="See you there")
    assert saved["ok"] == "true" and saved["previewUrl"] == listed["previewUrl"]
    assert highlevel_mock.last_status == 201
    page = highlevel_mock.http.get(saved["previewUrl"].removeprefix(highlevel_mock.base_url))
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == "<h1>Your tickets</h1>"
    content = highlevel_mock.http.get(
        saved["templateDownloadUrl"].removeprefix(highlevel_mock.base_url)).json()
    assert content["html"] == "<h1>Your tickets</h1>" and content["previewText"] == "See you there"
    assert hl.delete_template(loc, tid)["ok"] == "true"
    assert tid not in [t["id"] for t in hl.fetch_template(loc, limit=50)["builders"]]
    assert highlevel_mock.http.get(f"/_sandbox/emails/preview/{tid}").status_code == 404
    with pytest.raises(NotFound) as info:
        hl.delete_template(loc, tid)
    assert info.value.body == NOT_FOUND


def test_builder_templates_need_dnd_and_imports_need_a_provider(
        highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    tid = hl.create_template(loc, "builder", title="Drag and drop")["redirect"]
    assert hl.fetch_template(loc, limit=1)["builders"][0]["name"] == "Drag and drop"
    with pytest.raises(InvalidRequest) as info:
        hl.update_template(loc, tid, updated_by=USER, html="<p/>", editor_type="builder")
    assert info.value.body["message"][0] == "dnd should not be empty"
    dnd: dict[str, Any] = {"elements": [], "attrs": {}, "templateSettings": {}}
    assert hl.update_template(loc, tid, updated_by=USER, html="<p/>", editor_type="builder",
                              dnd=dnd)["ok"] == "true"
    with pytest.raises(InvalidRequest) as imp:
        hl.create_template(loc, "import")
    assert imp.value.body["message"] == ["importProvider should not be empty",
                                         "importURL should not be empty"]
    made = hl.create_template(loc, "import", import_provider="mailchimp",
                              import_url="https://tplshare.com/fhYJ3Mi")
    assert made["redirect"]
    with pytest.raises(InvalidRequest) as bad:
        hl.create_template(loc, "pdf", colour="red")
    assert bad.value.body["message"] == [
        "type must be one of the following values: html, folder, import, builder, blank",
        "property colour should not exist"]


def test_save_and_create_errors(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    with pytest.raises(NotFound) as info:
        hl.update_template(loc, "noSuchTemplate000000", updated_by=USER, html="<p/>")
    assert info.value.body == NOT_FOUND
    with pytest.raises(NotFound):
        hl.create_template(loc, "html", parent_id="noSuchFolder")
    with pytest.raises(InvalidRequest) as missing:
        hl._request("POST", "/emails/builder/data", json={"locationId": loc})
    assert missing.value.body["message"][:2] == ["templateId should not be empty",
                                                 "templateId must be a string"]


def test_campaign_schedules_with_filters(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    active = hl.fetch_campaigns(loc)
    assert set(active) == {"schedules", "total", "traceId"}
    assert active["total"] == 5 and {s["status"] for s in active["schedules"]} == {"active"}
    first = active["schedules"][0]
    assert len(first) == 27 and first["locationId"] == loc
    assert hl.fetch_campaigns(loc, status="complete")["total"] == 2
    assert hl.fetch_campaigns(loc, limit=2, offset=4)["schedules"] == active["schedules"][4:]
    limited = hl.fetch_campaigns(loc, limited_fields=True)["schedules"][0]
    assert set(limited) == {"id", "templateDataDownloadUrl", "updatedAt", "type",
                            "templateType", "templateId", "downloadUrl", "isPlainText"}
    by_name = hl.fetch_campaigns(loc, name=first["name"].upper())
    assert [s["id"] for s in by_name["schedules"]] == [first["id"]]
    schedule = highlevel_mock.location.schedules.by("id", first["id"])
    assert schedule is not None
    email_status = schedule.email_status
    assert first["id"] in [s["id"] for s in hl.fetch_campaigns(
        loc, email_status=email_status)["schedules"]]
    assert hl.fetch_campaigns(loc, email_status="all")["total"] == 5
    archived = hl.fetch_campaigns(loc, archived=True)
    assert all(s["archived"] for s in archived["schedules"])
    assert hl.fetch_campaigns(loc, campaigns_only=True, show_stats=False)["total"] == 5
