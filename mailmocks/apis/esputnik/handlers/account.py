"""Account (docs/vendors/esputnik.md §1.1): the call the docs use to test an API key."""
from __future__ import annotations

from typing import Any

from ....core import op
from ..model import ApiCall


@op("get_account_info")
def get_account_info(call: ApiCall) -> dict[str, Any]:
    org = call.tenant
    return {"userEmail": org.user_email, "organisationName": org.name, "orgId": org.id}
