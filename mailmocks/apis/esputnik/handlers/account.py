"""Account (docs/vendors/esputnik.md §1): the call the docs use to test an API key, the
organisation's balance, and the old version call clients still make."""
from __future__ import annotations

from typing import Any

from ....core import op
from ..model import ApiCall


@op("get_account_info")
def get_account_info(call: ApiCall) -> dict[str, Any]:
    org = call.tenant
    return {"userEmail": org.user_email, "organisationName": org.name, "orgId": org.id}


@op("get_balance")
def get_balance(call: ApiCall) -> dict[str, Any]:
    money = call.tenant.balance
    return {"currentBalance": money.current, "creditLimit": money.credit_limit,
            "currency": money.currency, "sendersReservedBalances": {},
            "bonusEmails": money.bonus_emails, "bonusSmses": money.bonus_smses}


@op("get_version")
def get_version(call: ApiCall) -> dict[str, Any]:
    return dict(call.world.version)
