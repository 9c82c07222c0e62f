"""ConvertKit's operations, one module per area of the v3 docs (account, forms, sequences,
tags, subscribers, custom_fields, broadcasts, purchases, webhooks); each handler is named
after its operationId. What several areas share lives here: subscribing by email and the
paged subscription lists of forms, sequences and tags. References (§n, D-n, assumption X)
are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

from .. import jobs
from ..model import PER_PAGE, ApiCall, body_of, envelope, subscribe, subscription_json


def page_of(call: ApiCall) -> int:
    return int(call.params.get("page", 1))


async def subscribe_by_email(call: ApiCall, kind: str, target_id: int) -> dict[str, Any]:
    """Find or create the subscriber and add the membership; a double-opt-in form emails
    its confirmation link. The public key sees only the subscriber's id (D-5)."""
    acct = call.tenant
    s, sub, confirm = subscribe(call.world, acct, kind, target_id, body_of(call))
    if confirm is not None:
        await jobs.send_confirmation(call.world, acct, confirm, s, call.base_url)
    return {"subscription": subscription_json(acct, sub, full=call.credential == "secret")}


def list_subscriptions(call: ApiCall, kind: str, target_id: int) -> dict[str, Any]:
    """A form's, sequence's or tag's memberships, 50 a page, active ones unless asked (§4)."""
    acct = call.tenant
    state = call.params.get("subscriber_state")
    states = [state or "active"]
    page = acct.subscriptions.page(page_of(call), PER_PAGE, group="list",
                                   keys=[(kind, target_id, st) for st in states],
                                   descending=call.params.get("sort_order") == "desc")
    return envelope("subscriptions", page,
                    [subscription_json(acct, sub, full=True) for sub in page.items])
