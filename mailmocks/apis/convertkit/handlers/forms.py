"""Forms and landing pages (docs/vendors/convertkit.md §4)."""
from __future__ import annotations

from typing import Any

from ....core import op
from .. import errors
from ..model import ApiCall, form_json
from . import list_subscriptions, subscribe_by_email


@op("list_forms")
def list_forms(call: ApiCall) -> dict[str, Any]:
    acct = call.tenant
    return {"forms": [form_json(f, f"acct{acct.id}") for f in acct.forms]}


@op("list_subscription_forms")
def list_subscription_forms(call: ApiCall) -> list[dict[str, Any]]:
    """Undocumented, called by the WordPress library: legacy mapping -> form (D-15)."""
    return [{"id": f.id, "form_id": f.id, "archived": f.archived} for f in call.tenant.forms]


@op("add_subscriber_to_form")
async def add_subscriber_to_form(call: ApiCall) -> dict[str, Any]:
    form_id = call.params["form_id"]
    if form_id not in call.tenant.forms:
        raise errors.not_found()
    return await subscribe_by_email(call, "form", form_id)


@op("list_form_subscriptions")
def list_form_subscriptions(call: ApiCall) -> dict[str, Any]:
    if call.params["form_id"] not in call.tenant.forms:
        raise errors.not_found()
    return list_subscriptions(call, "form", call.params["form_id"])
