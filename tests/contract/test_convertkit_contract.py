"""Schemathesis over contracts/convertkit.yaml against the fake, in-process.

Positive and negative data for every operation, then stateful runs that follow the
contract's links (create -> read -> update -> delete). The fake runs in strict mode, so a
response off-contract fails here as well as in schemathesis's own checks.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import unsupported_method

from mailmocks.core.resources import contract_path
from mailmocks.pytest_plugin import make_mock

MOCK = make_mock("convertkit")
MOCK.services.limiter.enabled = False  # thousands of calls; the limit is tested elsewhere

schema = schemathesis.openapi.from_path(contract_path("convertkit.yaml"))
schema.app = MOCK.app
# Schema-valid data may still break one of ConvertKit's business rules, answered with the
# vendor's documented 400/422 (a duplicate tag name or label, a purchase without the fields
# its docs require only in prose, more than 125 custom fields).
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


# ConvertKit is a Rails app: a method with no route is a routing error, answered 404 like an
# unknown path (the vendor's behaviour, decided in the contract), not the 405 this check wants.
EXCLUDED = [unsupported_method]


@schema.auth()
class SecretInQuery:
    """The secret opens every operation; schemathesis then probes without it and with junk."""

    def get(self, case: Any, ctx: Any) -> str:
        return MOCK.api_secret

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.query = {**(case.query or {}), "api_secret": data}


@schema.parametrize()
@SETTINGS
def test_operation_matches_contract(case: Any) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)


class ConvertKitStateMachine(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # Each scenario starts from the fixtures, so hypothesis can replay it exactly.
        MOCK.sandbox.reset()

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        case.validate_response(response, excluded_checks=EXCLUDED, **kwargs)


TestStateful = ConvertKitStateMachine.TestCase
TestStateful.settings = settings(max_examples=40, stateful_step_count=6, deadline=None,
                                 derandomize=True, suppress_health_check=list(HealthCheck))


def test_no_contract_violation_was_recorded() -> None:
    assert MOCK.app.violations == []
