"""Subscriptions, with a secret key; create and update need role admin
(docs/vendors/parcelvoy.md §4.5; contracts/parcelvoy.yaml, assumption G)."""
from __future__ import annotations

from typing import Any

from ....core import op
from .. import jobs
from ..errors import generic
from ..model import ApiCall, Subscription, fits, subscription_json
from . import SUBSCRIPTIONS, search


@op("list_subscriptions")
def list_subscriptions(call: ApiCall) -> dict[str, Any]:
    rows = [subscription_json(s) for s in jobs.subscriptions_of(call.world,
                                                                call.tenant.project.id)]
    return search(call, rows, SUBSCRIPTIONS)


@op("create_subscription")
def create_subscription(call: ApiCall) -> dict[str, Any]:
    world, body = call.world, call.body
    if not fits(body["name"], 255):
        raise generic()  # subscriptions.name is a VARCHAR(255)
    now = world.now
    sub = Subscription(world.subscriptions.next_id(), call.tenant.project.id, body["name"],
                       body["channel"], now, now)
    world.subscriptions.put(sub.id, sub)
    return subscription_json(sub)


@op("get_subscription")
def get_subscription(call: ApiCall) -> dict[str, Any]:
    return subscription_json(call.tenant.entity)


@op("update_subscription")
def update_subscription(call: ApiCall) -> dict[str, Any]:
    sub: Subscription = call.tenant.entity
    if not fits(call.body["name"], 255):
        raise generic()
    sub.name, sub.updated_at = call.body["name"], call.world.now
    return subscription_json(sub)
