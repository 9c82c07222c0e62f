"""Emails before v3 (docs/vendors/highlevel.md §5, E1-E5): the template builder and the
email schedule, under `Version: 2021-07-28`.

Templates are created (201 `{redirect, traceId}`), saved through /emails/builder/data (POST,
201), listed in `builders[]` (D-2) and deleted; their `previewUrl` is a sandbox page rendering
the saved HTML (D-10, sandbox.py). The schedule is a read-only list over the fixtures.
"""
from __future__ import annotations

from typing import Any

from ....core import iso, op
from ..errors import NOT_FOUND, unprocessable
from ..model import (
    DOWNLOAD_PATH,
    ApiCall,
    Location,
    Schedule,
    Template,
    count,
    matches,
    preview_url,
    remove_template,
    window,
)

TEMPLATE_TYPES = {"html": "html", "import": "html", "builder": "builder", "blank": "builder",
                  "folder": "folder"}
LIMITED_FIELDS = ("id", "templateDataDownloadUrl", "updatedAt", "type", "templateType",
                  "templateId", "downloadUrl", "isPlainText")


# -- the builder --------------------------------------------------------------------------
def template_json(call: ApiCall, t: Template) -> dict[str, Any]:
    return {"name": t.name, "updatedBy": t.updated_by, "isPlainText": t.is_plain_text,
            "lastUpdated": iso(t.last_updated), "dateAdded": iso(t.date_added),
            "previewUrl": preview_url(call.base_url, t), "id": t.id, "version": t.version,
            "templateType": t.template_type, "parentId": t.parent_id, "archived": t.archived}


@op("fetch_template")
def fetch_template(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    name, parent = (q.get("name") or "").lower(), q.get("parentId") or ""
    chosen = [t for t in loc.templates
              if t.archived == q.get("archived", False)
              and matches(t.name, q.get("search"))
              and (not name or t.name.lower() == name)
              and (not parent or t.parent_id == parent)
              and (not q.get("builderVersion") or t.version == q["builderVersion"])
              and not (q.get("templatesOnly") and t.template_type == "folder")]
    oldest_first = str(q.get("sortByDate", "")).lower() == "asc"  # any other value: newest
    chosen.sort(key=lambda t: (t.date_added, t.rid), reverse=not oldest_first)
    page = window(chosen, count(q, "offset"), count(q, "limit", 10))
    return {"builders": [template_json(call, t) for t in page], "traceId": call.world.trace_id()}


@op("create_template")
def create_template(call: ApiCall) -> tuple[int, Any]:
    loc, body, world = call.tenant.location, call.body, call.world
    kind = body["type"]
    if kind == "import":
        missing = [f for f in ("importProvider", "importURL") if not body.get(f)]
        if missing:
            raise unprocessable(*(f"{f} should not be empty" for f in missing))
    parent = body.get("parentId") or ""
    if parent:
        folder = loc.templates.by("id", parent)
        if folder is None or folder.template_type != "folder":
            raise NOT_FOUND()
    now = call.clock.now()
    default = "New Folder" if kind == "folder" else "New Template"
    template = Template(
        rid=loc.templates.next_id(), id=world.short_id(),
        name=body.get("name") or body.get("title") or default,
        template_type=TEMPLATE_TYPES[kind], updated_by=body.get("updatedBy", ""),
        version=body.get("builderVersion", "2"), date_added=now, last_updated=now,
        parent_id=parent, is_plain_text=bool(body.get("isPlainText", False)),
        template_source=body.get("templateSource"))
    loc.templates.put(template.rid, template)
    return 201, {"redirect": template.id, "traceId": world.trace_id()}


def find_template(loc: Location, template_id: str) -> Template:
    template = loc.templates.by("id", template_id)
    if template is None:
        raise NOT_FOUND()
    return template


@op("update_template")
def update_template(call: ApiCall) -> tuple[int, Any]:
    loc, body = call.tenant.location, call.body
    template = find_template(loc, body["templateId"])
    if template.template_type == "folder":
        raise NOT_FOUND()  # a folder has no content to save
    if body["editorType"] == "builder" and "dnd" not in body:
        raise unprocessable("dnd should not be empty", "nested property dnd must be either "
                            "object or array")
    template.html = body["html"]
    template.dnd = body.get("dnd")
    template.editor_type = body["editorType"]
    template.updated_by = body["updatedBy"]
    template.preview_text = body.get("previewText", template.preview_text)
    template.is_plain_text = bool(body.get("isPlainText", template.is_plain_text))
    template.last_updated = call.clock.now()
    return 201, {"ok": "true", "traceId": call.world.trace_id(),
                 "previewUrl": preview_url(call.base_url, template),
                 "templateDownloadUrl": call.base_url + DOWNLOAD_PATH.format(
                     template_id=template.id)}


@op("delete_template")
def delete_template(call: ApiCall) -> dict[str, Any]:
    loc = call.tenant.location
    remove_template(loc, find_template(loc, call.params["templateId"]))
    return {"ok": "true", "traceId": call.world.trace_id()}


# -- the schedule -------------------------------------------------------------------------
def schedule_matches(s: Schedule, q: dict[str, Any]) -> bool:
    f = s.fields
    email_status = q.get("emailStatus")
    return (f["status"] == q.get("status", "active")
            and (email_status in (None, "all") or s.email_status == email_status)
            and (not q.get("name") or f["name"].lower() == q["name"].lower())
            and (not q.get("parentId") or f["parentId"] == q["parentId"])
            and ("archived" not in q or f["archived"] == q["archived"])
            and not (q.get("campaignsOnly") and f["campaignType"] == "folder"))


@op("fetch_campaigns")
def fetch_campaigns(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    chosen = [s for s in loc.schedules if schedule_matches(s, q)]
    page = window(chosen, count(q, "offset"), count(q, "limit", 10))
    if q.get("limitedFields"):
        items = [{k: (s.fields["campaignType"] if k == "type" else s.fields[k])
                  for k in LIMITED_FIELDS} for s in page]
    else:
        items = [dict(s.fields) for s in page]
    return {"schedules": items, "total": len(chosen), "traceId": call.world.trace_id()}
