"""Tags, tagging by email and removing tags (§6). References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md."""
from __future__ import annotations

from typing import Any

from ....core import Reply, iso, json_reply, op
from .. import errors, jobs
from ..model import ApiCall, Tag, body_of, tag_json, untag
from . import list_subscriptions, subscribe_by_email


def tag_or_404(call: ApiCall) -> Tag:
    tag = call.tenant.tags.get(call.params["tag_id"])
    if tag is None:
        raise errors.not_found()
    return tag


@op("list_tags")
def list_tags(call: ApiCall) -> dict[str, Any]:
    return {"tags": [tag_json(t) for t in call.tenant.tags]}


@op("create_tags")
def create_tags(call: ApiCall) -> Reply:
    acct, now = call.tenant, call.clock.now()
    spec = body_of(call)["tag"]
    wanted = spec if isinstance(spec, list) else [spec]
    names = [str(t.get("name") or "").strip() for t in wanted]
    seen: set[str] = set()
    for name in names:  # all or nothing: check every name before storing any (D-3)
        if not name:
            raise errors.unprocessable("Name can't be blank")
        if acct.tags.by("name", name.lower()) is not None or name.lower() in seen:
            raise errors.unprocessable("Name has already been taken")
        seen.add(name.lower())
    created = [acct.tags.put(tid, Tag(tid, name, now, now))
               for tid, name in ((acct.tags.next_id(), n) for n in names)]
    shaped = [{**tag_json(t), "account_id": acct.id, "state": "available",
               "updated_at": iso(t.updated_at), "deleted_at": None} for t in created]
    return json_reply(201, shaped if isinstance(spec, list) else shaped[0])


@op("tag_subscriber")
async def tag_subscriber(call: ApiCall) -> dict[str, Any]:
    tag = call.tenant.tags.get(call.params["tag_id"])
    if tag is None:
        raise errors.tag_not_found()
    return await subscribe_by_email(call, "tag", tag.id)


@op("remove_tag_from_subscriber")
def remove_tag_from_subscriber(call: ApiCall) -> dict[str, Any]:
    acct = call.tenant
    s = acct.subscribers.get(call.params["subscriber_id"])
    tag = acct.tags.get(call.params["tag_id"])
    if s is None or tag is None or not untag(call.world, acct, s, tag):
        raise errors.not_found()
    return tag_json(tag)


@op("remove_tag_from_subscriber_by_email")
def remove_tag_from_subscriber_by_email(call: ApiCall) -> dict[str, Any]:
    acct, tag = call.tenant, tag_or_404(call)
    email = str(body_of(call).get("email") or "")
    s = jobs.by_email(call.world, acct, email)
    if s is not None:  # an address without the tag (or unknown) succeeds silently
        untag(call.world, acct, s, tag)
    return tag_json(tag)


@op("list_tag_subscriptions")
def list_tag_subscriptions(call: ApiCall) -> dict[str, Any]:
    tag = tag_or_404(call)
    return list_subscriptions(call, "tag", tag.id)
