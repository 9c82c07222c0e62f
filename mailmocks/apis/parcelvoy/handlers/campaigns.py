"""Campaigns, with a secret key of role editor or above (docs/vendors/parcelvoy.md §4.4), and
the per-user trigger send (§4.1), which answers at once and queues the send pipeline."""
from __future__ import annotations

import re
from typing import Any

from ....core import Reply, iso, json_reply, no_content, op, text_reply
from .. import jobs
from ..ajv import parse_date_time
from ..errors import campaign_finished, generic, no_subscription, unprocessable
from ..model import (
    ApiCall,
    Campaign,
    Subscription,
    Template,
    body_of,
    campaign_json,
    fits,
    rows_of,
    templates_of,
    user_json,
)
from ..render import choose_template
from . import CAMPAIGN_USERS, CAMPAIGNS, search
from .search import Params, shown_user
from .templates import validation_error

TIMESTAMP_RANGE = (1.0, 2147483647.0)  # MySQL TIMESTAMP: 1970-01-01 00:00:01 .. 2038-01-19
def _existing_subscription(call: ApiCall, sid: int) -> Subscription:
    """`Subscription.find(id)`: the route looks the id up in every project."""
    sub = call.world.subscriptions.get(sid)
    if sub is None:
        raise no_subscription()
    return sub


def _foreign_key(found: object | None) -> None:
    if found is None:
        raise generic()  # a foreign-key failure in the database


def _send_at(value: Any) -> str | None:
    """What the TIMESTAMP column keeps: the instant, to the second, in UTC; outside the
    column's range MySQL refuses the write (the generic 400)."""
    if value is None:
        return None
    ts = parse_date_time(value)
    if ts is None:
        raise unprocessable('Must match format "date-time"')
    ts = float(round(ts))
    if not TIMESTAMP_RANGE[0] <= ts <= TIMESTAMP_RANGE[1]:
        raise generic()
    return iso(ts)


def _campaign_filter(p: Params, row: dict[str, Any]) -> bool:
    kind = p.filter.get("type") if isinstance(p.filter, dict) else None
    tagged = not p.tag or bool(set(p.tag) & set(row.get("tags", ())))
    return (not kind or row["type"] == kind) and tagged


@op("list_campaigns")
def list_campaigns(call: ApiCall) -> dict[str, Any]:
    rows = [campaign_json(call.world, c)
            for c in rows_of(call.world.campaigns, "project", call.tenant.project.id)
            if c.deleted_at is None]
    return search(call, rows, CAMPAIGNS, _campaign_filter)


@op("create_campaign")
def create_campaign(call: ApiCall) -> dict[str, Any]:
    """createCampaign: the subscription by id alone (404 when none), the provider through its
    foreign key, the channel from the subscription."""
    world, body, project = call.world, call.body, call.tenant.project
    sub = _existing_subscription(call, body["subscription_id"])
    _foreign_key(world.providers.get(body["provider_id"]))
    if not fits(body.get("name"), 255):
        raise generic()  # campaigns.name is a VARCHAR(255)
    send_at = _send_at(body.get("send_at"))
    now = world.now
    campaign = Campaign(world.campaigns.next_id(), project.id, body.get("name", ""),
                        body["type"], sub.channel,
                        "running" if body["type"] == "trigger" else "draft", sub.id,
                        body["provider_id"], now, now,
                        send_in_user_timezone=bool(body.get("send_in_user_timezone")),
                        tags=list(body.get("tags") or []), send_at=send_at,
                        list_ids=body.get("list_ids"),
                        exclusion_list_ids=body.get("exclusion_list_ids"))
    world.campaigns.put(campaign.id, campaign)
    return campaign_json(world, campaign, full=True)


@op("get_campaign")
def get_campaign(call: ApiCall) -> dict[str, Any]:
    return campaign_json(call.world, call.tenant.entity, full=True)


def _template_error(call: ApiCall, campaign: Campaign) -> str | None:
    """validateTemplates before scheduling: the first template's own validation error."""
    for t in templates_of(call.world, campaign):
        problem = validation_error(t)
        if problem:
            return problem
    return None


@op("update_campaign")
def update_campaign(call: ApiCall) -> dict[str, Any]:
    """updateCampaign writes every given field as given (null included; the channel stays);
    `scheduled` first validates the templates, `aborted` goes through `aborting`."""
    world, campaign, body = call.world, call.tenant.entity, call.body
    if campaign.state == "finished":
        raise campaign_finished()
    if not fits(body.get("name"), 255):
        raise generic()
    if body.get("subscription_id") is not None:
        _foreign_key(world.subscriptions.get(body["subscription_id"]))
    if body.get("provider_id") is not None:
        _foreign_key(world.providers.get(body["provider_id"]))
    send_at = _send_at(body["send_at"]) if body.get("send_at") else None
    state = body.get("state")
    if state == "scheduled":
        problem = _template_error(call, campaign)
        if problem:
            raise unprocessable(problem)
    for key in ("name", "subscription_id", "provider_id", "list_ids", "exclusion_list_ids",
                "state"):
        if key in body:
            setattr(campaign, key, body[key])
    if "send_in_user_timezone" in body:
        # a NULL TINYINT(1) reads back false (typeCast in config/database.ts)
        campaign.send_in_user_timezone = bool(body["send_in_user_timezone"])
    if send_at is not None:  # `data.send_at ? new Date(..) : undefined`: null changes nothing
        campaign.send_at = send_at
    if state == "scheduled":
        campaign.state = "loading"
        if campaign.type == "blast":  # CampaignGenerateListJob: no list to load, so scheduled
            cid = campaign.id
            jobs.enqueue(world, "campaign_generate_list", lambda: _listed(call, cid))
    if state == "aborted":  # CampaignAbortJob finishes what `aborting` starts
        campaign.state, campaign.send_at = "aborting", None
        cid = campaign.id
        jobs.enqueue(world, "campaign_abort", lambda: _aborted(call, cid))
    if body.get("tags") is not None:
        campaign.tags = list(body["tags"])
    campaign.updated_at = world.now
    return campaign_json(world, campaign, full=True)


def _listed(call: ApiCall, campaign_id: int) -> None:
    campaign = call.world.campaigns.get(campaign_id)
    if campaign is not None and campaign.state == "loading":
        campaign.state = "scheduled"


def _aborted(call: ApiCall, campaign_id: int) -> None:
    campaign = call.world.campaigns.get(campaign_id)
    if campaign is not None and campaign.state == "aborting":
        campaign.state = "aborted"
        for send in rows_of(call.world.sends, "campaign", campaign_id):
            if send.state == "pending":
                send.state = "aborted"


@op("delete_campaign")
def delete_campaign(call: ApiCall) -> Reply:
    campaign: Campaign = call.tenant.entity
    campaign.deleted_at = call.world.now  # archived: the id loader no longer finds it
    return json_reply(200, True)


@op("trigger_campaign")
def trigger_campaign(call: ApiCall) -> dict[str, Any]:
    world, pid = call.world, call.tenant.project.id
    campaign: Campaign = call.tenant.entity
    body = body_of(call)
    jobs.enqueue(world, "campaign_trigger_send_job", lambda: jobs.campaign_trigger_send(
        world, pid, campaign.id, body["user"], body["event"]))
    return {"success": True}


@op("list_campaign_users")
def list_campaign_users(call: ApiCall) -> dict[str, Any]:
    """getCampaignUsers: `users.*` with the send's `state, send_at, opened_at, clicks`, one
    row per send (a user triggered twice shows twice), in the sends' key order."""
    world, campaign = call.world, call.tenant.entity
    sends = sorted(rows_of(world.sends, "campaign", campaign.id),
                   key=lambda s: (s.user_id, s.reference_id))
    rows = [{**user_json(user, stored=True), "state": s.state, "send_at": iso(s.send_at),
             "opened_at": None, "clicks": 0}
            for s in sends if (user := world.users.get(s.user_id)) is not None
            and user.project_id == campaign.project_id]
    return search(call, rows, CAMPAIGN_USERS, post=shown_user)


@op("duplicate_campaign")
def duplicate_campaign(call: ApiCall) -> dict[str, Any]:
    """duplicateCampaign: `Copy of <name>` with the lists, provider, subscription, channel and
    type (no tags, no send_at), blast `draft` or trigger `running`, and a copy of every
    template."""
    world, source = call.world, call.tenant.entity
    now = world.now
    copy = Campaign(world.campaigns.next_id(), source.project_id, f"Copy of {source.name}",
                    source.type, source.channel,
                    "draft" if source.type == "blast" else "running", source.subscription_id,
                    source.provider_id, now, now, list_ids=source.list_ids,
                    exclusion_list_ids=source.exclusion_list_ids)
    world.campaigns.put(copy.id, copy)
    for t in templates_of(world, source):
        clone = Template(world.templates.next_id(), t.project_id, copy.id, t.type, t.locale,
                         dict(t.data), now, now)
        world.templates.put(clone.id, clone)
    return campaign_json(world, copy, full=True)


@op("preview_campaign")
def preview_campaign(call: ApiCall) -> Reply:
    """campaignPreview: the project-locale template's source, unrendered (screenshotHtml):
    an email's html, a text's text, a push's `title<br/>body`, nothing for a webhook. Koa
    sends a string starting with `<` as text/html, any other as text/plain; an undefined
    text is no body at all (204)."""
    world, campaign = call.world, call.tenant.entity
    template = choose_template(world, templates_of(world, campaign), None,
                               call.tenant.project.locale)
    if template is None:
        return text_reply(200, "")
    data = template.data
    if template.type == "email":
        shown: Any = data.get("html") if data.get("html") is not None else ""
    elif template.type == "text":
        shown = data.get("text")
    elif template.type == "push":
        shown = f"{_js(data.get('title'))}<br/>{_js(data.get('body'))}"
    else:
        shown = ""
    if shown is None:
        return no_content()
    shown = shown if isinstance(shown, str) else _js(shown)
    if re.match(r"\s*<", shown):
        return Reply(200, shown, {}, "text/html; charset=utf-8")
    return text_reply(200, shown)


def _js(value: Any) -> str:
    """A value in a JavaScript template literal."""
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
