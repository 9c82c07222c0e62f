"""Templates, with a secret key of any role (docs/vendors/parcelvoy.md §4.7, §7), and the
preview, which renders with the posted user and event (decision 4) off the event loop."""
from __future__ import annotations

import copy
from typing import Any

from ....core import Reply, iso, json_reply, no_content, op
from .. import proof
from ..errors import error, generic, unprocessable
from ..model import ApiCall, Template, fits, fits_json, prune, rows_of, template_json
from ..render import RenderLimitError, TemplateError, render_message
from . import TEMPLATES, search


@op("list_templates")
def list_templates(call: ApiCall) -> dict[str, Any]:
    rows = [template_json(t)
            for t in rows_of(call.world.templates, "project", call.tenant.project.id)]
    return search(call, rows, TEMPLATES)


@op("create_template")
def create_template(call: ApiCall) -> dict[str, Any]:
    world, body, project = call.world, call.body, call.tenant.project
    if (world.campaigns.get(body["campaign_id"]) is None or not fits(body["locale"], 50)
            or not fits_json(body.get("data") or {})):
        raise generic()  # a foreign key (no project check is made); locale is a VARCHAR(50)
    if any(t.campaign_id == body["campaign_id"] and t.locale == body["locale"]
           for t in rows_of(world.templates, "project", project.id)):
        raise error(400, "A template with this locale already exists.")
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
    """`updateAndFetch(id, prune(params))`: `type` and the pruned `data` are written."""
    template: Template = call.tenant.entity
    body = prune(call.body)
    if not fits_json(body.get("data") or {}):
        raise generic()  # templates.data is a JSON column
    template.type = body["type"]
    if "data" in body:
        template.data = body["data"]
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
    # the body is not validated: a string or an array has no `user` (undefined), like `{}`
    body = call.body if isinstance(call.body, dict) else {}
    posted = body.get("user")
    user: dict[str, Any] = posted if isinstance(posted, dict) else {}
    # User.fromJson({...payload.user, data: payload.user}).flatten(): the posted keys, then
    # the columns (`id` is the external id)
    flat = {**user, "email": user.get("email"), "phone": user.get("phone"),
            "id": user.get("external_id"), "external_id": user.get("external_id"),
            "created_at": iso(call.clock.now()), "locale": user.get("locale"),
            "timezone": user.get("timezone")}
    variables = {"user": flat, "event": body.get("event") or {},
                 "context": body.get("context") or {}, "journey": {}}
    try:
        return await call.services.render(  # on a worker thread when served
            render_message, template.type, copy.deepcopy(template.data), variables,
            now=call.clock.utcnow())
    except RenderLimitError as exc:  # the fake's limits (work, output, time, nesting): 422
        raise unprocessable(exc.reason) from exc
    except TemplateError as exc:  # Handlebars threw: the generic 400
        raise generic() from exc


SEND_FIELDS = {  # each template type's validate() (render/Template.ts), in `required` order
    "email": ("from", "subject", "html"), "text": ("text",), "push": ("title", "topic", "body"),
    "webhook": ("method", "endpoint")}


def validation_error(t: Template) -> str | None:
    """The template's own validate(): a missing field is its ajv-errors message, `from` must
    be an object with an address."""
    for name in SEND_FIELDS.get(t.type, ()):
        if name not in t.data:
            return f"The `{name}` field on the `{t.locale}` template is missing and is required."
    sender = t.data.get("from")
    if t.type == "email" and not isinstance(sender, dict):
        return "The value of `from` must be a object."
    if t.type == "email" and "address" not in sender:  # type: ignore[operator]
        return f"The `address` field on the `{t.locale}` template is missing and is required."
    return None


@op("send_proof")
async def send_proof(call: ApiCall) -> Reply:
    """sendProof: the template must validate (422), its campaign exist; the recipient is the
    project's user with that email or phone, else a user made of `variables.user` with the
    recipient as email and phone; the message goes out through the campaign's provider (none:
    nothing is sent). No send record and no event; 204 (the route's body is undefined)."""
    world, template = call.world, call.tenant.entity
    variables = call.body.get("variables")
    if not isinstance(variables, dict):
        raise generic()  # `variables.event` of undefined or null: a TypeError
    problem = validation_error(template)
    if problem:
        raise unprocessable(problem)
    campaign = world.live_campaign(template.project_id, template.campaign_id)
    if campaign is None:
        raise error(400, "The requested campaign does not exist or you do not have access.",
                    code=2000)
    await proof.send_proof(world, campaign, template, call.body["recipient"], variables)
    return no_content()
