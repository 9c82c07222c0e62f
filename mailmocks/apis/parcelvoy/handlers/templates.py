"""Templates, with a secret key of any role (docs/vendors/parcelvoy.md §4.7, §7), and the
preview, which renders with the posted user and event (decision 4) off the event loop."""
from __future__ import annotations

import copy
from typing import Any

from ....core import Reply, json_reply, op
from ..errors import generic, not_found, unprocessable
from ..model import ApiCall, Template, rows_of, template_json
from ..render import RenderLimitError, TemplateError, render_message
from . import cursor_page, search_term


@op("list_templates")
def list_templates(call: ApiCall) -> dict[str, Any]:
    q = search_term(call)
    rows = [template_json(t)
            for t in rows_of(call.world.templates, "project", call.tenant.project.id)
            if q is None or t.locale == q]
    return cursor_page(call, rows)


@op("create_template")
def create_template(call: ApiCall) -> dict[str, Any]:
    world, body, project = call.world, call.body, call.tenant.project
    if world.live_campaign(project.id, body["campaign_id"]) is None:
        raise not_found()
    now = world.now
    template = Template(world.templates.next_id(), project.id, body["campaign_id"],
                        body["type"], body["locale"], dict(body.get("data") or {}), now, now)
    world.templates.put(template.id, template)
    return template_json(template)


@op("get_template")
def get_template(call: ApiCall) -> dict[str, Any]:
    return template_json(call.tenant.entity)


@op("update_template")
def update_template(call: ApiCall) -> dict[str, Any]:
    template: Template = call.tenant.entity
    body = call.body
    template.type = body["type"]
    if "locale" in body:
        template.locale = body["locale"]
    if "data" in body:
        template.data = dict(body["data"])
    template.updated_at = call.world.now
    call.world.templates.put(template.id, template)
    return template_json(template)


@op("delete_template")
def delete_template(call: ApiCall) -> Reply:
    call.world.templates.delete(call.tenant.entity.id)
    return json_reply(200, True)


@op("preview_template")
async def preview_template(call: ApiCall) -> dict[str, Any]:
    template: Template = call.tenant.entity
    body = call.body
    user: dict[str, Any] = body.get("user") or {}
    traits: dict[str, Any] = user["data"] if isinstance(user.get("data"), dict) else {}
    variables = {"user": {**traits, **user},
                 "event": body.get("event") or {}, "context": body.get("context") or {},
                 "journey": {}}
    try:
        return await call.services.render(  # on a worker thread when served
            render_message, template.type, copy.deepcopy(template.data), variables,
            now=call.clock.utcnow())
    except RenderLimitError as exc:  # the fake's limits (work, output, time, nesting): 422
        raise unprocessable(exc.reason) from exc
    except TemplateError as exc:  # Handlebars threw: the generic 400
        raise generic() from exc
