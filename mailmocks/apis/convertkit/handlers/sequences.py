"""Sequences, "courses" in v3 payloads and in the original paths (§5; the /v3/courses aliases
behave the same, assumption L). References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md."""
from __future__ import annotations

from typing import Any

from ....core import iso, op
from .. import errors
from ..model import ApiCall
from . import list_subscriptions, subscribe_by_email


@op("list_sequences", "list_courses")
def list_sequences(call: ApiCall) -> dict[str, Any]:
    return {"courses": [{"id": s.id, "name": s.name, "created_at": iso(s.created_at),
                         "hold": s.hold, "repeat": s.repeat} for s in call.tenant.sequences]}


@op("add_subscriber_to_sequence", "add_subscriber_to_course")
async def add_subscriber_to_sequence(call: ApiCall) -> dict[str, Any]:
    sequence_id = call.params["sequence_id"]
    if sequence_id not in call.tenant.sequences:
        raise errors.course_not_found()
    return await subscribe_by_email(call, "course", sequence_id)


@op("list_sequence_subscriptions", "list_course_subscriptions")
def list_sequence_subscriptions(call: ApiCall) -> dict[str, Any]:
    if call.params["sequence_id"] not in call.tenant.sequences:
        raise errors.not_found()
    return list_subscriptions(call, "course", call.params["sequence_id"])
