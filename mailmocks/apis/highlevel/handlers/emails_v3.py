"""The v3 Email API (`Version: v3`; docs/vendors/highlevel.md §5.6 and the official spec
`apps/v3/emails-v3.json`): templates and folders, email campaigns, statistics, and the
read-only workflow campaigns and bulk actions. Decisions: contracts/highlevel.yaml, V1-V11
("Email API v3: decisions for the fake").

- Templates live in the same store as the builder's (GET /emails/builder lists a template
  made here, and the other way round); folders are templates of type `folder`.
- An email campaign is a draft until scheduled (draft, cancelled or paused only, else 409);
  when the clock reaches its send time it is rendered per recipient (jobs.py, render.py)
  into the outbox, and its statistics count what went out.
- Workflow campaigns and bulk actions are read-only views over the fixtures.
"""
from __future__ import annotations

import math
import zoneinfo
from functools import cache
from html import escape
from typing import Any

from ....core import iso, op
from ..errors import NO_CONTENT, NOT_DRAFT, NOT_FOUND, conflict, unprocessable
from ..jobs import UNIT_SECONDS, cancel_sends, schedule_send
from ..model import (
    CAMPAIGN_CONTENT_PATH,
    ApiCall,
    BulkAction,
    Campaign,
    Location,
    Stats,
    Template,
    WorkflowCampaign,
    count,
    matches,
    parse_time,
    preview_url,
    remove_template,
    resolve_recipients,
    window,
)

SCHEDULABLE = ("draft", "cancelled", "paused")


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def check_time_zone(value: str) -> None:
    if value not in time_zones():
        raise unprocessable("timeZone must be a valid IANA time zone")


def together(body: dict[str, Any]) -> None:
    """`editorContent` and `editorType` travel together (class-validator wording)."""
    if ("editorContent" in body) != ("editorType" in body):
        missing = "editorType" if "editorContent" in body else "editorContent"
        raise unprocessable(f"{missing} should not be empty")


def trace(call: ApiCall) -> str:
    return call.world.trace_id()


# -- templates ------------------------------------------------------------------------------
def find_email_template(loc: Location, template_id: str, *, folders: bool = False) -> Template:
    template = loc.templates.by("id", template_id)
    if template is None or (template.template_type == "folder" and not folders):
        raise NOT_FOUND()
    return template


def folder_id(loc: Location, value: str | None) -> str:
    """A parent folder id of this location ('' for the top level), else 404."""
    if value:
        find_folder = loc.templates.by("id", value)
        if find_folder is None or find_folder.template_type != "folder":
            raise NOT_FOUND()
    return value or ""


def new_template(call: ApiCall, **fields: Any) -> Template:
    loc, world, now = call.tenant.location, call.world, call.clock.now()
    template = Template(rid=loc.templates.next_id(), id=world.short_id(), version="2",
                        date_added=now, last_updated=now, **fields)
    loc.templates.put(template.rid, template)
    return template


def created_json(call: ApiCall, t: Template) -> dict[str, Any]:
    out = {"id": t.id, "name": t.name, "editorType": t.editor_type_v3,
           "isPlainText": t.is_plain_text, "fromName": t.from_name, "fromEmail": t.from_email,
           "subjectLine": t.subject_line, "previewText": t.preview_text,
           "previewUrl": preview_url(call.base_url, t), "createdAt": iso(t.date_added),
           "updatedAt": iso(t.last_updated), "traceId": trace(call)}
    if t.parent_id:
        out["parentFolderId"] = t.parent_id
    return out


def list_item(call: ApiCall, loc: Location, t: Template) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id, "name": t.name, "createdAt": iso(t.date_added),
                           "updatedAt": iso(t.last_updated)}
    if t.template_type == "folder":
        children = sum(1 for c in loc.templates if c.parent_id == t.id)
        out.update(type="folder", childCount=children, hasChildren=children > 0)
    else:
        out.update(type="template", isPlainText=t.is_plain_text,
                   previewUrl=preview_url(call.base_url, t), editorType=t.editor_type_v3)
    if t.parent_id:
        out["parentFolderId"] = t.parent_id
    return out


@op("create_email_template")
def create_email_template(call: ApiCall) -> tuple[int, Any]:
    body = call.body
    parent = folder_id(call.tenant.location, body.get("parentFolderId"))
    template = new_template(
        call, name=body["name"], template_type="html", updated_by=body.get("userId", ""),
        parent_id=parent, is_plain_text=body["editorType"] == "text",
        html=body.get("editorContent", ""), editor_type="html",
        preview_text=body.get("previewText", ""), subject_line=body.get("subjectLine", ""),
        from_name=body.get("fromName", ""), from_email=body.get("fromEmail", ""))
    return 201, created_json(call, template)


@op("list_email_templates")
def list_email_templates(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    folder, include = q.get("folderId"), q.get("include", "all")
    rows = [t for t in loc.templates
            if t.archived == q.get("archived", False) and matches(t.name, q.get("search"))
            and (folder is None or t.parent_id == ("" if folder == "root" else folder))
            and (include == "all" or (t.template_type == "folder") == (include == "folders"))]
    rows.sort(key=lambda t: (t.last_updated, t.rid), reverse=q.get("sortOrder") != "asc")
    page = window(rows, count(q, "offset"), count(q, "limit", 10))
    return {"items": [list_item(call, loc, t) for t in page], "total": len(rows),
            "traceId": trace(call)}


@op("import_email_template")
def import_email_template(call: ApiCall) -> tuple[int, Any]:
    body = call.body
    parent = folder_id(call.tenant.location, body.get("parentFolderId"))
    provider, url = body["importProvider"], body["importUrl"]
    # No network in the sandbox: the content names what would have been fetched.
    html = (f"<!-- imported from {escape(provider)}: {escape(url)} -->"
            f"<p>Template imported from {escape(provider)}.</p>")
    template = new_template(
        call, name=body.get("name") or f"Imported from {provider}", template_type="html",
        updated_by=body.get("userId", ""), parent_id=parent, html=html, editor_type="html",
        template_source=provider)
    return 201, created_json(call, template)


@op("create_template_folder")
def create_template_folder(call: ApiCall) -> tuple[int, Any]:
    folder = new_template(call, name=call.body["name"], template_type="folder",
                          updated_by=call.body.get("userId", ""))
    return 201, {"id": folder.id, "name": folder.name, "createdAt": iso(folder.date_added),
                 "updatedAt": iso(folder.last_updated), "traceId": trace(call)}


@op("get_email_template")
def get_email_template(call: ApiCall) -> dict[str, Any]:
    t = find_email_template(call.tenant.location, call.params["templateId"])
    out = {"id": t.id, "name": t.name, "editorType": t.editor_type_v3,
           "isPlainText": t.is_plain_text, "fromName": t.from_name, "fromEmail": t.from_email,
           "subject": t.subject_line, "previewText": t.preview_text,
           "editorContentUrl": preview_url(call.base_url, t), "deleted": False,
           "createdAt": iso(t.date_added), "updatedAt": iso(t.last_updated),
           "traceId": trace(call)}
    if t.parent_id:
        out["parentFolderId"] = t.parent_id
    return out


TEMPLATE_FIELDS = {"name": "name", "previewText": "preview_text", "subjectLine": "subject_line",
                   "fromName": "from_name", "fromEmail": "from_email", "archived": "archived",
                   "userId": "updated_by"}


@op("update_email_template")
def update_email_template(call: ApiCall) -> dict[str, Any]:
    loc, body = call.tenant.location, call.body
    together(body)
    t = find_email_template(loc, call.params["templateId"])
    parent = t.parent_id
    if "parentFolderId" in body:
        parent = folder_id(loc, body["parentFolderId"])
    for key, attr in TEMPLATE_FIELDS.items():
        if key in body:
            setattr(t, attr, body[key])
    if "editorContent" in body:  # new content: the template becomes a code (or text) one
        t.html, t.template_type, t.editor_type = body["editorContent"], "html", "html"
        t.is_plain_text, t.dnd = body["editorType"] == "text", None
    t.parent_id = parent
    t.last_updated = call.clock.now()
    out = {"id": t.id, "name": t.name, "archived": t.archived, "fromName": t.from_name,
           "fromEmail": t.from_email, "subjectLine": t.subject_line,
           "previewText": t.preview_text, "previewUrl": preview_url(call.base_url, t),
           "editorType": t.editor_type_v3, "isPlainText": t.is_plain_text,
           "updatedAt": iso(t.last_updated), "createdAt": iso(t.date_added),
           "traceId": trace(call)}
    if t.parent_id:
        out["parentFolderId"] = t.parent_id
    return out


@op("delete_email_template")
def delete_email_template(call: ApiCall) -> dict[str, Any]:
    loc = call.tenant.location
    remove_template(loc, find_email_template(loc, call.params["templateId"], folders=True))
    return {"deleted": True, "traceId": trace(call)}


# -- email campaigns --------------------------------------------------------------------------
def find_campaign(loc: Location, campaign_id: str) -> Campaign:
    campaign = loc.campaigns.by("id", campaign_id)
    if campaign is None:
        raise NOT_FOUND()
    return campaign


def campaign_json(call: ApiCall, c: Campaign) -> dict[str, Any]:
    return {"id": c.id, "source": "email-campaigns", "sourceId": c.source_id, "name": c.name,
            "status": c.status, "campaignType": "email", "campaignCategory": "regular",
            "deleted": False, "createdAt": iso(c.created_at), "updatedAt": iso(c.updated_at),
            "traceId": trace(call)}


@op("create_email_campaign")
def create_email_campaign(call: ApiCall) -> tuple[int, Any]:
    loc, body, world = call.tenant.location, call.body, call.world
    check_time_zone(body["timeZone"])
    template = find_email_template(loc, body["templateId"]) if "templateId" in body else None
    content = body.get("editorContent", template.html if template else "")
    now = call.clock.now()
    campaign = Campaign(
        rid=loc.campaigns.next_id(), id=world.object_id(), source_id=world.object_id(),
        name=body["name"], status="draft", editor_type=body["editorType"], content=content,
        created_at=now, updated_at=now, time_zone=body["timeZone"], user_id=body["userId"],
        user_name=body.get("userName", ""), template_id=template.id if template else "",
        parent_folder_id=body.get("parentFolderId", ""),
        subject=template.subject_line if template else "",
        from_name=template.from_name if template else "",
        from_email=template.from_email if template else "",
        preview_text=template.preview_text if template else "")
    loc.campaigns.put(campaign.rid, campaign)
    return 201, campaign_json(call, campaign)


@op("list_email_campaigns")
def list_email_campaigns(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    status = q.get("status", "all")
    rows = [c for c in loc.campaigns
            if (status == "all" or c.status == status) and matches(c.name, q.get("search"))]
    rows.sort(key=lambda c: (c.created_at, c.rid), reverse=True)
    page = window(rows, count(q, "offset"), count(q, "limit", 10))
    items = [campaign_json(call, c) for c in page]
    for item in items:
        del item["traceId"]
    return {"campaigns": items, "total": len(rows), "traceId": trace(call)}


@op("get_email_campaign")
def get_email_campaign(call: ApiCall) -> dict[str, Any]:
    c = find_campaign(call.tenant.location, call.params["campaignId"])
    return {**campaign_json(call, c), "editorType": c.editor_type,
            "isPlainText": c.editor_type == "text",
            "editorContentUrl": call.base_url + CAMPAIGN_CONTENT_PATH.format(campaign_id=c.id),
            "fromName": c.from_name, "fromEmail": c.from_email, "subject": c.subject,
            "replyToAddress": c.reply_to, "previewText": c.preview_text}


@op("update_email_campaign")
def update_email_campaign(call: ApiCall) -> dict[str, Any]:
    body = call.body
    together(body)
    c = find_campaign(call.tenant.location, call.params["campaignId"])
    if c.status != "draft":
        raise NOT_DRAFT()
    if "name" in body:
        c.name = body["name"]
    if "editorContent" in body:
        c.content, c.editor_type = body["editorContent"], body["editorType"]
    if "userId" in body:
        c.user_id = body["userId"]
    c.updated_at = call.clock.now()
    return campaign_json(call, c)


@op("delete_campaign")
def delete_campaign(call: ApiCall) -> dict[str, Any]:
    loc = call.tenant.location
    c = find_campaign(loc, call.params["campaignId"])
    cancel_sends(call.world, c)
    loc.campaigns.delete(c.rid)
    return {"deleted": True, "traceId": trace(call)}


# -- scheduling (the sending is in jobs.py) --------------------------------------------------
def check_schedule_body(body: dict[str, Any]) -> None:
    """The DTO's conditional rules (checked before the campaign is looked at)."""
    check_time_zone(body["timeZone"])
    kind, config = body["scheduleType"], body.get("scheduleConfig") or {}
    recipients = body["recipients"]
    wanted = {"contact": "contactIds", "tag": "tagIds", "segment": "segment"}[recipients["type"]]
    problems = []
    if not recipients.get(wanted):
        problems.append(f"recipients.{wanted} should not be empty")
    if kind in ("scheduled", "batch", "smart_send") and "sendAt" not in config:
        problems.append("scheduleConfig.sendAt should not be empty")
    if kind == "batch" and "batch" not in config:
        problems.append("scheduleConfig.batch should not be empty")
    batch = config.get("batch") or {}
    if "interval" in batch and not math.isfinite(
            float(batch["interval"]) * UNIT_SECONDS[batch["intervalUnit"]]):
        problems.append("scheduleConfig.batch.interval must be a number conforming to the "
                        "specified constraints")
    if kind == "rss" and "rssConfig" not in body:
        problems.append("rssConfig should not be empty")
    if problems:
        raise unprocessable(*problems)


def check_recipients(loc: Location, spec: dict[str, Any]) -> None:
    if spec["type"] == "contact" and any(loc.contacts.by("id", i) is None
                                         for i in spec["contactIds"]):
        raise unprocessable("recipients.contactIds must be contacts of this location")
    if spec["type"] == "tag" and any(t not in loc.tags for t in spec["tagIds"]):
        raise unprocessable("recipients.tagIds must be tags of this location")


def send_time(call: ApiCall, body: dict[str, Any]) -> float:
    kind, now = body["scheduleType"], float(call.clock.now())
    if kind == "immediate":
        return now
    if kind == "rss":
        first = body["rssConfig"].get("firstExecutionDate")
        return max(now, parse_time(first, "rssConfig.firstExecutionDate")) if first else now
    return max(now, parse_time(body["scheduleConfig"]["sendAt"], "scheduleConfig.sendAt"))


@op("schedule_campaign")
def schedule_campaign(call: ApiCall) -> tuple[int, Any]:
    loc, body = call.tenant.location, call.body
    check_schedule_body(body)
    c = find_campaign(loc, call.params["campaignId"])
    if c.status not in SCHEDULABLE:
        raise conflict(f"Campaign in status {c.status} cannot be scheduled")
    if not c.content.strip():
        raise NO_CONTENT()
    check_recipients(loc, body["recipients"])
    at = send_time(call, body)
    meta = body["emailMeta"]
    c.subject, c.from_name, c.from_email = meta["subject"], meta["fromName"], meta["fromEmail"]
    c.reply_to, c.preview_text = meta.get("replyToAddress", ""), meta.get("previewText", "")
    c.time_zone, c.user_id = body["timeZone"], body["userId"]
    c.schedule = body
    c.recipients = (resolve_recipients(loc, body["recipients"])
                    if body["recipients"].get("freezeList") else None)
    c.status = "processing" if body["scheduleType"] == "immediate" else "scheduled"
    c.updated_at = call.clock.now()
    schedule_send(call.world, loc, c, at)
    return 201, {"campaignId": c.id, "sourceId": c.source_id, "traceId": trace(call)}


# -- statistics --------------------------------------------------------------------------------
def find_source(loc: Location, source: str, source_id: str
                ) -> Campaign | WorkflowCampaign | BulkAction:
    table: Any = {"email-campaigns": loc.campaigns, "workflow-campaigns": loc.workflows,
                  "bulk-actions": loc.bulk_actions}[source]
    found = table.by("source", source_id) or table.by("id", source_id)
    if found is None:
        raise NOT_FOUND()
    return found  # type: ignore[no-any-return]


@op("get_campaign_stats")
def get_campaign_stats(call: ApiCall) -> dict[str, Any]:
    loc, p = call.tenant.location, call.params
    source, sub = p["source"], p.get("subSourceId")
    if sub is not None and source != "workflow-campaigns":
        raise unprocessable("subSourceId is only valid when source is workflow-campaigns")
    found = find_source(loc, source, p["sourceId"])
    if isinstance(found, WorkflowCampaign):
        steps = [s for s in found.steps if sub is None or s.id == sub]
        if not steps:
            raise NOT_FOUND()
        stats = Stats()
        for step in steps:
            stats.add(step.stats)
    else:
        stats = found.stats
    out = {"locationId": loc.id, "source": source, "sourceId": p["sourceId"],
           "stats": stats.as_json(), "traceId": trace(call)}
    if sub is not None:
        out["subSourceId"] = sub
    return out


# -- workflow campaigns and bulk actions (read-only) -------------------------------------------
def workflow_json(w: WorkflowCampaign) -> dict[str, Any]:
    return {"id": w.id, "name": w.name, "status": w.status, "source": "workflow-campaigns",
            "sourceId": w.source_id, "deleted": False, "createdAt": iso(w.created_at),
            "updatedAt": iso(w.updated_at)}


@op("list_workflow_campaigns")
def list_workflow_campaigns(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    rows = [w for w in loc.workflows
            if (not q.get("status") or w.status == q["status"])
            and matches(w.name, q.get("search"))]
    rows.reverse()  # newest first
    page = window(rows, count(q, "offset"), count(q, "limit", 10))
    return {"campaigns": [workflow_json(w) for w in page], "total": len(rows),
            "traceId": trace(call)}


@op("get_workflow_campaign")
def get_workflow_campaign(call: ApiCall) -> dict[str, Any]:
    loc = call.tenant.location
    w = loc.workflows.by("id", call.params["campaignId"])
    if w is None:
        raise NOT_FOUND()
    steps = []
    for s in w.steps:
        template = loc.templates.by("id", s.template_id)
        step: dict[str, Any] = {
            "id": s.id, "name": s.name, "subject": s.subject, "fromName": s.from_name,
            "fromEmail": s.from_email, "previewText": "", "createdAt": iso(w.created_at),
            "updatedAt": iso(w.updated_at)}
        if template is not None:
            step.update(editorType=template.editor_type_v3, isPlainText=template.is_plain_text,
                        editorContentUrl=preview_url(call.base_url, template))
        steps.append(step)
    return {**workflow_json(w), "subSources": steps, "traceId": trace(call)}


def bulk_json(b: BulkAction) -> dict[str, Any]:
    out = {"id": b.id, "source": "bulk-actions", "sourceId": b.source_id, "name": b.name,
           "status": b.status, "scheduleType": b.schedule_type, "deleted": False,
           "createdAt": iso(b.created_at), "updatedAt": iso(b.updated_at)}
    if b.completed_at is not None:
        out["completedAt"] = iso(b.completed_at)
    return out


@op("list_bulk_action_campaigns")
def list_bulk_action_campaigns(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    since = parse_time(q["dateFrom"], "dateFrom") if "dateFrom" in q else None
    until = parse_time(q["dateTo"], "dateTo") if "dateTo" in q else None
    rows = [b for b in loc.bulk_actions
            if (not q.get("status") or b.status == q["status"])
            and matches(b.name, q.get("search"))
            and (since is None or b.created_at >= since)
            and (until is None or b.created_at <= until)]
    rows.sort(key=lambda b: b.created_at, reverse=True)
    page = window(rows, count(q, "offset"), count(q, "limit", 10))
    items = [{**bulk_json(b), "emailMetadata": {
        "subject": b.subject, "from": f"{b.from_name} <{b.from_email}>", "name": b.from_name,
        "templateId": b.template_id}} for b in page]
    return {"campaigns": items, "total": len(rows), "traceId": trace(call)}


@op("get_bulk_action_campaign")
def get_bulk_action_campaign(call: ApiCall) -> dict[str, Any]:
    loc = call.tenant.location
    b = loc.bulk_actions.by("id", call.params["campaignId"])
    if b is None:
        raise NOT_FOUND()
    out = {**bulk_json(b), "fromName": b.from_name, "fromEmail": b.from_email,
           "subject": b.subject, "previewText": "", "traceId": trace(call)}
    template = loc.templates.by("id", b.template_id)
    if template is not None:
        out.update(editorType=template.editor_type_v3, isPlainText=template.is_plain_text,
                   editorContentUrl=preview_url(call.base_url, template))
    return out
