"""Automation hooks, "webhooks" in the v3 docs (§11): rules that POST subscriber or purchase
data to a URL when an event happens (deliveries: jobs.fire). References (§n, D-n,
assumption X) are to docs/vendors/convertkit.md."""
from __future__ import annotations

from typing import Any

from ....core import op
from .. import errors
from ..jobs import WEBHOOK_PARAMS
from ..model import ApiCall, Rule, body_of, rule_json
from ..params import as_int, blank


@op("create_webhook")
def create_webhook(call: ApiCall) -> dict[str, Any]:
    acct, body = call.tenant, body_of(call)
    event = body["event"]
    name = event["name"]
    param = WEBHOOK_PARAMS[name]
    params: dict[str, Any] = {}
    if param == "course_id":  # the docs use both names; echo the one sent (D-4)
        used = next((k for k in ("course_id", "sequence_id") if event.get(k) is not None), None)
        if used is None:
            raise errors.unprocessable("course_id is required for this event")
        params[used] = as_int(event[used], used)
    elif param is not None:
        if blank(event.get(param)):
            raise errors.unprocessable(f"{param} is required for this event")
        # ids arrive as numbers or numeric strings (the PHP SDK sends strings): stored cast
        params[param] = (str(event[param]) if param == "initiator_value"
                         else as_int(event[param], param))
    rule = Rule(acct.rules.next_id(), name, params, str(body["target_url"]))
    acct.rules.put(rule.id, rule)
    return {"rule": rule_json(acct, rule)}


@op("list_webhooks")
def list_webhooks(call: ApiCall) -> list[dict[str, Any]]:
    """Undocumented but served: an array of `{"rule": ...}` (§11, assumption E)."""
    acct = call.tenant
    return [{"rule": rule_json(acct, r, listing=True)} for r in acct.rules]


@op("delete_webhook")
def delete_webhook(call: ApiCall) -> dict[str, Any]:
    if call.tenant.rules.delete(call.params["rule_id"]) is None:
        raise errors.not_found()
    return {"success": True}
