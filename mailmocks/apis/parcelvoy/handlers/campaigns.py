"""Campaigns, with a secret key of role editor or above (docs/vendors/parcelvoy.md §4.4), and
the per-user trigger send (§4.1), which answers at once and queues the send pipeline."""
from __future__ import annotations

from typing import Any

from ....core import Reply, iso, json_reply, op
from .. import jobs
from ..errors import campaign_finished, generic, no_subscription
from ..model import (
    ApiCall,
    Campaign,
    Subscription,
    body_of,
    campaign_json,
    rows_of,
    user_json,
)
from . import CAMPAIGN_USERS, CAMPAIGNS, search
from .search import Params

CAMPAIGN_FIELDS = ("list_ids", "exclusion_list_ids", "send_at")


def _subscription_for(call: ApiCall, sid: int) -> Subscription:
    sub = call.world.subscriptions.get(sid)
    if sub is None or sub.project_id != call.tenant.project.id:
        raise no_subscription()
    return sub


def _check_provider(call: ApiCall, pid: int) -> None:
    provider = call.world.providers.get(pid)
    if provider is None or provider.project_id != call.tenant.project.id:
        raise generic()  # a foreign-key failure in the database


def _campaign_filter(p: Params, row: dict[str, Any]) -> bool:
    kind = p.filter.get("type") if isinstance(p.filter, dict) else None
    return (not kind or row["type"] == kind) and (not p.tag or bool(set(p.tag) & set(row["tags"])))


@op("list_campaigns")
def list_campaigns(call: ApiCall) -> dict[str, Any]:
    rows = [campaign_json(call.world, c)
            for c in rows_of(call.world.campaigns, "project", call.tenant.project.id)
            if c.deleted_at is None]
    return search(call, rows, CAMPAIGNS, _campaign_filter)


@op("create_campaign")
def create_campaign(call: ApiCall) -> dict[str, Any]:
    world, body, project = call.world, call.body, call.tenant.project
    sub = _subscription_for(call, body["subscription_id"])
    _check_provider(call, body["provider_id"])
    now = world.now
    campaign = Campaign(world.campaigns.next_id(), project.id, body.get("name", ""),
                        body["type"], sub.channel,
                        "running" if body["type"] == "trigger" else "draft", sub.id,
                        body["provider_id"], now, now,
                        send_in_user_timezone=bool(body.get("send_in_user_timezone")),
                        tags=list(body.get("tags") or []))
    for key in CAMPAIGN_FIELDS:
        if key in body:
            setattr(campaign, key, body[key])
    world.campaigns.put(campaign.id, campaign)
    return campaign_json(world, campaign, full=True)


@op("get_campaign")
def get_campaign(call: ApiCall) -> dict[str, Any]:
    return campaign_json(call.world, call.tenant.entity, full=True)


@op("update_campaign")
def update_campaign(call: ApiCall) -> dict[str, Any]:
    campaign: Campaign = call.tenant.entity
    body = call.body
    if campaign.state == "finished":
        raise campaign_finished()
    if "subscription_id" in body:
        sub = _subscription_for(call, body["subscription_id"])
        campaign.subscription_id, campaign.channel = sub.id, sub.channel
    if "provider_id" in body:
        _check_provider(call, body["provider_id"])
        campaign.provider_id = body["provider_id"]
    for key in ("name", "state", *CAMPAIGN_FIELDS):
        if key in body:
            setattr(campaign, key, body[key])
    if "send_in_user_timezone" in body:
        campaign.send_in_user_timezone = bool(body["send_in_user_timezone"])
    if "tags" in body:
        campaign.tags = list(body["tags"] or [])
    campaign.updated_at = call.world.now
    return campaign_json(call.world, campaign, full=True)


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
    rows = [{**user_json(user), "state": s.state, "send_at": iso(s.send_at),
             "opened_at": None, "clicks": 0}
            for s in sends if (user := world.users.get(s.user_id)) is not None
            and user.project_id == campaign.project_id]
    return search(call, rows, CAMPAIGN_USERS)
