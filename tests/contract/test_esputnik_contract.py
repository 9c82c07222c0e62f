"""Schemathesis over contracts/esputnik.yaml against the fake, in-process.

Positive and negative data for every operation, then stateful runs that follow the
contract's links (add contact -> get/update/delete; create message -> get/update/delete;
bulk import -> import status). The fake runs in strict mode, so a response off-contract
fails here as well as in schemathesis's own checks.
"""
from __future__ import annotations

import base64
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from mailmocks.core.resources import contract_path
from mailmocks.pytest_plugin import make_mock

MOCK = make_mock("esputnik")
MOCK.services.limiter.enabled = False  # thousands of calls; the limits are tested elsewhere

schema = schemathesis.openapi.from_path(contract_path("esputnik.yaml"))
schema.app = MOCK.app
# Schema-valid data may still break one of eSputnik's business rules (name and phone rules,
# unknown custom fields or senders, an unknown id, the same body twice within a minute),
# answered with the documented 400/404/409.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx", "400", "401", "404", "409", "415", "429"]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

# No check is excluded: Spring answers 405 for a known path with another method, 401 before
# anything else, and 400 for every schema violation, which is what schemathesis expects.


@schema.auth()
class BasicKey:
    """Basic auth, any user name, the API key as the password."""

    def get(self, case: Any, ctx: Any) -> str:
        return MOCK.api_key

    def set(self, case: Any, data: str, ctx: Any) -> None:
        token = base64.b64encode(f"schemathesis:{data}".encode()).decode()
        case.headers = {**(case.headers or {}), "Authorization": f"Basic {token}"}


@schema.parametrize()
@SETTINGS
def test_operation_matches_contract(case: Any) -> None:
    case.call_and_validate()


class EsputnikStateMachine(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # A fresh organisation per run: the 409 "same body within a minute" rule and the ids
        # left by earlier runs must not change which links a replayed run can follow.
        MOCK.app.world = MOCK.app.api.new_world(MOCK.services)

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        case.validate_response(response, **kwargs)


TestStateful = EsputnikStateMachine.TestCase
TestStateful.settings = settings(max_examples=30, stateful_step_count=6, deadline=None,
                                 derandomize=True, suppress_health_check=list(HealthCheck))


def test_no_contract_violation_was_recorded() -> None:
    assert MOCK.app.violations == []
