"""Users by external id, with a secret key; writes need role editor (docs/vendors/parcelvoy.md
§4.3). Bulk patches and deletes answer 204 and queue one job per user."""
from __future__ import annotations

import functools
from typing import Any

from ....core import Reply, no_content, op
from .. import jobs
from ..errors import generic, unprocessable
from ..model import (
    UNSUBSCRIBED,
    ApiCall,
    User,
    body_of,
    event_json,
    rows_of,
    user_json,
    user_subscription_json,
)
from . import USER_EVENTS, USER_SUBSCRIPTIONS, USERS, search
from .search import many_values, parse_int, shown_user


@op("list_users")
def list_users(call: ApiCall) -> dict[str, Any]:
    rows = [user_json(u, stored=True)
            for u in rows_of(call.world.users, "project", call.tenant.project.id)]
    return search(call, rows, USERS, post=shown_user)


@op("patch_users")
def patch_users(call: ApiCall) -> Reply:
    world, pid = call.world, call.tenant.project.id
    for item in body_of(call):
        jobs.enqueue(world, "user_patch", functools.partial(jobs.patch_user, world, pid, item))
    return no_content()


@op("delete_users")
def delete_users(call: ApiCall) -> Reply:
    ids = call.query.getlist("user_id")
    if ids == [""]:
        ids = []  # a single empty value: `userIds.length ? [userIds] : []`
    if not ids:
        raise unprocessable("Must NOT have fewer than 1 items")
    world, pid = call.world, call.tenant.project.id
    for ext in ids:
        jobs.enqueue(world, "user_delete", functools.partial(jobs.delete_user, world, pid, ext))
    return no_content()


@op("get_user")
def get_user(call: ApiCall) -> dict[str, Any]:
    return user_json(call.tenant.entity)


@op("delete_user")
def delete_user(call: ApiCall) -> Reply:
    world, pid = call.world, call.tenant.project.id
    ext = call.tenant.entity.external_id
    jobs.enqueue(world, "user_delete", lambda: jobs.delete_user(world, pid, ext))
    return no_content()


@op("list_user_events")
def list_user_events(call: ApiCall) -> dict[str, Any]:
    user: User = call.tenant.entity
    rows = [event_json(e) for e in rows_of(call.world.events, "user", user.id)]
    return search(call, rows, USER_EVENTS)


@op("list_user_subscriptions")
def list_user_subscriptions(call: ApiCall) -> dict[str, Any]:
    world = call.world
    user: User = call.tenant.entity
    if many_values(call, "id"):
        raise generic()  # `where id in (...)` is ambiguous across the joined tables
    rows = [user_subscription_json(us, sub)
            for us in rows_of(world.user_subscriptions, "user", user.id)
            if (sub := world.subscriptions.get(us.subscription_id)) is not None]
    return search(call, rows, USER_SUBSCRIPTIONS)


@op("update_user_subscriptions")
def update_user_subscriptions(call: ApiCall) -> dict[str, Any]:
    """`for (const s of body) toggleSubscription(user, s.subscription_id, s.state)`: the body
    is not validated. A missing state is the default parameter (unsubscribed); an id is read
    as `Model.find` reads one (`parseInt` of a string) within the user's project; an item
    without a usable id changes nothing."""
    world, pid = call.world, call.tenant.project.id
    user: User = call.tenant.entity
    body = call.body  # (a text body arrives as its characters: the Api's prepare)
    if not isinstance(body, list) or any(item is None for item in body):
        raise generic()  # not iterable, or `null.subscription_id`: a TypeError
    for item in body:
        if not isinstance(item, dict):
            continue
        sid, state = item.get("subscription_id"), item.get("state", UNSUBSCRIBED)
        if isinstance(sid, str):
            sid = parse_int(sid)
        sub = world.subscriptions.get(sid) if isinstance(sid, int) and not isinstance(
            sid, bool) else None
        if sub is None or sub.project_id != pid:
            continue
        if isinstance(state, bool) or state not in (0, 1, 2):
            continue  # a state the platform defines no meaning for (decision in the note)
        jobs.set_subscription(world, user, sub, int(state))
    return user_json(user)
