"""Schemathesis over contracts/botamp.yaml against the fake, in-process.

Positive and negative data for both operations; the fake runs in strict mode, so a response
off-contract fails here as well as in schemathesis's own checks. There is no stateful run:
Botamp's responses are `{}`, so the contract has no links to follow.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import unsupported_method

from mailmocks.core.resources import contract_path
from mailmocks.pytest_plugin import make_mock

MOCK = make_mock("botamp")

schema = schemathesis.openapi.from_path(contract_path("botamp.yaml"))
schema.app = MOCK.app
# Schema-valid data may still break one of Botamp's rules checked beyond the schema, answered
# with the vendor's 400 (an email that is not an address or does not exist, a birthday that
# is not a real date).
schema.config.checks.positive_data_acceptance.expected_statuses = ["2xx", "400", "401"]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

# Botamp is a Rails app: a method with no route is a routing error, answered 404 like an
# unknown path (contract assumption H), not the 405 this check wants.
EXCLUDED = [unsupported_method]


@schema.auth()
class BearerKey:
    """The current key opens every operation; schemathesis then probes without it and with junk."""

    def get(self, case: Any, ctx: Any) -> str:
        return MOCK.api_key

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@SETTINGS
def test_operation_matches_contract(case: Any) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)


def test_no_contract_violation_was_recorded() -> None:
    assert MOCK.app.violations == []
    MOCK.drain()  # the accepted batches run cleanly too
    assert [j for j in MOCK.jobs.finished() if j.status == "failed"] == []

