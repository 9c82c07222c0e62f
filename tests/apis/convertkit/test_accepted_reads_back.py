"""What ConvertKit accepts can be read back (issue 18): schema-valid bodies generated from
the contract (schemathesis' positive strategies) go through every write that stores times,
numbers or text, and after each one every read of the account still answers 200 in strict
mode (a reply off the contract raises ContractViolation). References (§n, D-n) are to
docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailmocks import checks
from mailmocks.testing import make_mock
from mailmocks.testing.convertkit import Mock as ConvertKitMock

WRITES = [("/v3/purchases", "POST"), ("/v3/broadcasts", "POST"),
          ("/v3/broadcasts/{broadcast_id}", "PUT"), ("/v3/subscribers/{subscriber_id}", "PUT"),
          ("/v3/forms/{form_id}/subscribe", "POST"), ("/v3/automations/hooks", "POST"),
          ("/v3/custom_fields", "POST")]
READS = ["/v3/purchases", "/v3/broadcasts", "/v3/broadcasts/1", "/v3/broadcasts/1/stats",
         "/v3/subscribers", "/v3/subscribers/1", "/v3/automations/hooks", "/v3/custom_fields",
         "/v3/forms/3001/subscriptions"]

KNOWN = {"form_id": 3001, "broadcast_id": 1, "subscriber_id": 7}



@pytest.fixture(scope="module")
def shared() -> tuple[ConvertKitMock, Any]:
    """One strict fake for the module (what earlier writes stored, later reads meet too)."""
    mock = make_mock(ConvertKitMock)
    mock.services.limiter.enabled = False
    schema = checks.load_schema(mock.app.api)
    schema.app = mock.app
    checks.register_auth(schema, mock.app.api, lambda: mock.app.api.check_credentials(mock.world))
    return mock, schema


@pytest.mark.slow
@pytest.mark.parametrize("path,method", WRITES, ids=[f"{m} {p}" for p, m in WRITES])
def test_every_accepted_write_reads_back(shared: tuple[ConvertKitMock, Any], path: str,
                                         method: str) -> None:
    mock, schema = shared
    operation = schema[path][method]
    statuses: list[int] = []

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data: Any) -> None:
        case = data.draw(operation.as_strategy())
        checks.pin(mock.app.api, mock.world, case)
        if case.path_parameters:  # records the fixtures hold, so the writes land
            case.path_parameters = {**case.path_parameters, **{
                k: v for k, v in KNOWN.items() if k in case.path_parameters}}
        response = case.call()
        assert response.status_code < 500, response.text
        statuses.append(response.status_code)
        mock.drain()
        for read in READS:
            got = mock.http.get(read, params={"api_secret": mock.api_secret})
            assert got.status_code == 200, (read, got.text)

    run()
    assert [s for s in statuses if s < 300], statuses  # accepted writes, not only refusals
    assert mock.app.violations == []
    assert [j for j in mock.jobs.finished() if j.status == "failed"] == []
