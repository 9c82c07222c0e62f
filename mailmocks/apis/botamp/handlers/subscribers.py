"""Subscribers, in the order of Botamp's docs: "Add a subscriber" (synchronous) and "Add a
batch of subscribers" (asynchronous). Sections and decisions: docs/vendors/botamp.md."""
from __future__ import annotations

from typing import Any

from ....core import op
from ..errors import Rejected, error
from ..jobs import submit_batch
from ..model import ApiCall, check_subscriber, upsert


@op("create_or_update_subscriber")
def create_or_update_subscriber(call: ApiCall) -> dict[str, Any]:
    """Add a subscriber, or update the one with this email; synchronous (§2.1, D-1, D-5)."""
    acct = call.tenant
    try:
        sub = check_subscriber(call.body["subscriber"], acct)
    except Rejected as rej:
        raise error(400, rej.message) from None
    with acct.lock:
        upsert(acct, sub, call.clock.now())
    return {}


@op("create_or_update_subscribers")
def create_or_update_subscribers(call: ApiCall) -> dict[str, Any]:
    """Accept a batch at once; a background job applies it and emails the report (§2.2, D-6)."""
    submit_batch(call.world, call.tenant, call.body["subscribers"], call.clock.now())
    return {}
