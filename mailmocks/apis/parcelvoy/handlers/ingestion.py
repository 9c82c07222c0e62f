"""Ingestion, with a public or a secret key of any role (docs/vendors/parcelvoy.md §3):
each route answers 204 at once and queues the jobs that apply it (jobs.py)."""
from __future__ import annotations

import functools
from typing import Any

from ....core import Reply, no_content, op
from .. import jobs
from ..ajv import first_error
from ..errors import generic, unprocessable
from ..model import ApiCall, body_of


@op("identify")
def identify(call: ApiCall) -> Reply:
    message = first_error(call.op.body_validator.schema, call.body)  # type: ignore[union-attr]
    if message:  # the IANA check is a custom format the schema cannot state
        raise unprocessable(message)
    world, pid, body = call.world, call.tenant.project.id, body_of(call)
    jobs.enqueue(world, "user_patch", lambda: jobs.patch_user(world, pid, body))
    return no_content()


@op("alias")
def alias(call: ApiCall) -> Reply:
    world, pid, body = call.world, call.tenant.project.id, body_of(call)
    jobs.enqueue(world, "user_alias", lambda: jobs.alias_user(
        world, pid, body["anonymous_id"], body["external_id"]))
    return no_content()


@op("register_device")
def register_device(call: ApiCall) -> Reply:
    world, pid = call.world, call.tenant.project.id
    jobs.enqueue(world, "user_register_device", jobs.device_job(world, pid, body_of(call)))
    return no_content()


@op("post_events")
def post_events(call: ApiCall) -> Reply:
    world, pid = call.world, call.tenant.project.id
    for item in body_of(call):
        jobs.enqueue(world, "event_post", functools.partial(jobs.post_event, world, pid, item),
                     attempts=2)
    return no_content()


@op("segment")
def segment(call: ApiCall) -> Reply:
    world, pid = call.world, call.tenant.project.id
    batch: list[tuple[str, Any]] = []
    for item in body_of(call):
        identity = {k: item[s] for k, s in (("anonymous_id", "anonymousId"),
                                             ("external_id", "userId")) if s in item}
        kind = item["type"]
        if kind == "identify":
            context = item.get("context")
            if not isinstance(context, dict):
                raise generic()  # `context.timezone` of undefined: a TypeError
            traits = item.get("traits") or {}
            fields: dict[str, Any] = {**identity, "data": traits}
            for key in ("email", "phone"):
                if key in traits:
                    fields[key] = traits[key]
            if "timezone" in context:
                fields["timezone"] = context["timezone"]
            if "locale" in context:  # `context.locale && parseLocale(context.locale)`
                locale = context["locale"]
                if locale and not isinstance(locale, str):
                    raise generic()  # `.slice` of a number or an object: a TypeError
                fields["locale"] = locale[:-1] if locale and locale.endswith("-") else locale
            batch.append(("user_patch", functools.partial(jobs.patch_user, world, pid, fields)))
        elif kind == "track" and isinstance(item.get("event"), str):
            # (a track without an event name fails its job in the real queue: dropped here)
            event = {**identity, "name": item["event"],
                     "data": {**(item.get("properties") or {}), **(item.get("context") or {})}}
            batch.append(("event_post", functools.partial(jobs.post_event, world, pid, event)))
        elif kind == "alias":
            batch.append(("user_alias", functools.partial(jobs.segment_alias, world, pid, item)))
    for name, job in batch:
        jobs.enqueue(world, name, job)
    return no_content()
