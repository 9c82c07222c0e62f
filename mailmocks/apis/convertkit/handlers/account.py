"""Account (docs/vendors/convertkit.md §3)."""
from __future__ import annotations

from typing import Any

from ....core import op
from ..model import ApiCall


@op("get_account")
def get_account(call: ApiCall) -> dict[str, Any]:
    acct = call.tenant
    return {"name": acct.name, "plan_type": acct.plan_type,
            "primary_email_address": acct.email}
