"""Schemathesis over every contract against its fake, in-process, in strict mode.

Positive and negative data for every operation, then stateful runs that follow each contract's
links (create -> read -> update -> delete), each scenario starting from the fixtures. What is
vendor-specific (excluded checks, expected business-rule statuses, credentials, pinned ids)
is data on each vendor's `Api`, the same data `mailmocks check` uses. A response off-contract
fails here twice: in schemathesis's checks and in the fake's strict mode.
"""
from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from mailmocks import apis, checks
from mailmocks.testing import MockServer, make_mock

# MAILMOCKS_CONTRACT_EXAMPLES=N for a deeper run (`make check-deep`); 25 in `make test`
EXAMPLES = int(os.environ.get("MAILMOCKS_CONTRACT_EXAMPLES", "25"))
STATEFUL = settings(max_examples=max(30, EXAMPLES), stateful_step_count=6, deadline=None,
                    derandomize=True, suppress_health_check=list(HealthCheck))
MOCKS: dict[str, MockServer] = {}


def _mock(name: str) -> MockServer:
    if name not in MOCKS:
        mock = MOCKS[name] = make_mock(name)
        mock.services.limiter.enabled = False  # thousands of calls; limits are tested elsewhere
    return MOCKS[name]


def _build(name: str) -> tuple[Any, Any | None]:
    mock = _mock(name)
    api = mock.app.api
    schema = checks.load_schema(api)
    schema.app = mock.app
    checks.register_auth(schema, api, lambda: api.check_credentials(mock.world))
    excluded = checks.excluded_checks(api)

    def after(case: Any) -> None:
        if api.checks.drain:
            mock.drain()

    @schema.parametrize()  # type: ignore[untyped-decorator]
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def test_operation(case: Any) -> None:
        checks.pin(api, mock.world, case)
        case.call_and_validate(excluded_checks=excluded)
        after(case)

    if not checks.has_links(api):
        return test_operation, None  # nothing to follow (Botamp answers `{}`)

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            mock.sandbox.reset()  # each scenario from the fixtures: hypothesis replays it exactly

        def before_call(self, case: Any) -> None:
            checks.pin(api, mock.world, case)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=excluded, **kwargs)
            after(case)

    stateful = Machine.TestCase
    stateful.settings = STATEFUL
    return test_operation, stateful


# MAILMOCKS_CONTRACT_APIS=convertkit,botamp checks only those (all by default)
CHECKED = [n for n in os.environ.get("MAILMOCKS_CONTRACT_APIS", "").split(",") if n] \
    or apis.names()

for _name in CHECKED:
    _test, _stateful = _build(_name)
    globals()[f"test_{_name}_operations_match_the_contract"] = _test
    if _stateful is not None:
        globals()[f"Test{_name.capitalize()}Stateful"] = _stateful
del _name, _test, _stateful  # or pytest collects the last ones a second time


@pytest.mark.parametrize("name", CHECKED)
def test_no_contract_violation_and_no_failed_job(name: str) -> None:
    mock = _mock(name)
    mock.drain()
    assert mock.app.violations == []
    assert [j for j in mock.jobs.finished() if j.status == "failed"] == []
