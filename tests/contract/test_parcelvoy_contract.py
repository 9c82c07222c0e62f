"""Schemathesis over contracts/parcelvoy.yaml against the fake, in-process.

Positive and negative data for every operation, then stateful runs over the contract's links
(create -> read -> update -> delete). The fake runs in strict mode, so a response off-contract
fails here as well as in schemathesis's own checks. Queued work is drained after each call so
jobs run against whatever schemathesis sent.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from mailmocks.core.resources import contract_path
from mailmocks.pytest_plugin import make_mock

MOCK = make_mock("parcelvoy")

schema = schemathesis.openapi.from_path(contract_path("parcelvoy.yaml"))
schema.app = MOCK.app
# Schema-valid data may still break one of Parcelvoy's rules, answered with its documented
# errors: the editor key is below `admin` (403 on subscription writes), a generated id names no
# entity (404), an unknown subscription (404 JSON) or provider (400), a finished campaign
# (400 code 2001), an unknown journey or entrance (400 codes 9000/9001), an unknown `sort`
# column (400), a timezone that is not IANA (422: a custom format JSON Schema cannot state),
# a Segment identify without `context` (400).
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx", "400", "403", "404", "422"]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@schema.auth()
class AdminKey:
    """The admin secret key opens every operation; schemathesis also probes without it."""

    def get(self, case: Any, ctx: Any) -> str:
        return MOCK.admin_key

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@SETTINGS
def test_operation_matches_contract(case: Any) -> None:
    case.call_and_validate()
    MOCK.drain()


class ParcelvoyStateMachine(schema.as_state_machine()):  # type: ignore[misc]
    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        case.validate_response(response, **kwargs)
        MOCK.drain()


TestStateful = ParcelvoyStateMachine.TestCase
TestStateful.settings = settings(max_examples=30, stateful_step_count=6, deadline=None,
                                 derandomize=True, suppress_health_check=list(HealthCheck))


def test_no_contract_violation_was_recorded() -> None:
    assert MOCK.app.violations == []
