"""The journey trigger, with a secret key of role editor or above (docs/vendors/parcelvoy.md
§4.2): unlike a campaign trigger, the user and the event are written before the answer."""
from __future__ import annotations

from typing import Any

from ....core import op
from .. import jobs
from ..errors import bad_step, generic, not_found
from ..model import ApiCall, Journey, body_of


@op("trigger_journey")
def trigger_journey(call: ApiCall) -> dict[str, Any]:
    world, pid = call.world, call.tenant.project.id
    journey: Journey = call.tenant.entity
    body = body_of(call)
    step = journey.steps.get(body["entrance_id"])
    if step is None or step.type != "entrance":
        raise bad_step()
    user_in = body["user"]
    fields = {k: user_in[k] for k in ("external_id", *jobs.USER_FIELDS) if k in user_in}
    fields["data"] = {k: v for k, v in user_in.items()
                      if k not in jobs.RESERVED_TRIGGER_FIELDS}
    try:
        user = jobs.patch_user(world, pid, fields)  # synchronous, unlike campaign trigger
    except jobs.DataTooLong as exc:
        raise generic() from exc  # the database refuses the write
    event = body.get("event") or {}
    try:
        jobs.add_event(world, user, "journey_trigger", {
            **event, "journey": {"id": journey.id, "name": journey.name,
                                 "entrance_id": body["entrance_id"]}})
    except jobs.DataTooLong as exc:
        raise generic() from exc
    jobs.enter_journey(world, journey.id, step.id, user)
    return {"success": True}


@op("exit_journey")
def exit_journey(call: ApiCall) -> dict[str, Any]:
    """`DELETE /journeys/:journeyId/users/:userId` (JourneyController.ts): the user's open
    entrances of the journey are ended; `{exits: <how many>}`. An unknown user is 404."""
    world, journey = call.world, call.tenant.entity
    user = world.user_by_external(call.tenant.project.id, call.path_params["userId"])
    if user is None:
        raise not_found()
    exits = 0
    for eid in world.entrances.ids("user", user.id):
        entrance = world.entrances.get(eid)
        if entrance is not None and entrance.journey_id == journey.id \
                and entrance.ended_at is None:
            entrance.ended_at = world.now
            exits += 1
    return {"exits": exits}
