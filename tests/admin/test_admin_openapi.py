"""The control API's own OpenAPI document: valid, and schemathesis finds the sandbox keeping it.

Positive and negative data for every operation, in-process against the whole sandbox (the
guard in front, as served), every answer checked against the document.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import CHECKS

from mailmocks.admin import document_for
from mailmocks.guard import LOOPBACK_HOSTS
from mailmocks.sandbox import Sandbox

# schemathesis's in-process client says Host: testserver
BOX = Sandbox(["convertkit", "botamp"], hosts=LOOPBACK_HOSTS | {"testserver"})
BOX.services.clock.freeze(1_900_000_000)  # generated clock calls move a frozen clock only
SCHEMA = schemathesis.openapi.from_dict(document_for(BOX))
SCHEMA.app = BOX
# valid by the schema yet refused by a rule it cannot express: a fixture file that does not
# exist, a time before the clock's, an operation of another API, an id that is not there
SCHEMA.config.checks.positive_data_acceptance.expected_statuses = ["2xx", "404", "422"]

# The guard answers a PUT/PATCH without a JSON body (403/415) before any route is chosen, so
# an undeclared method there never reaches the router's 405: refused first, on purpose.
EXCLUDED = list(CHECKS.get_by_names(["unsupported_method"]))


def test_the_document_is_valid_openapi_with_the_served_names() -> None:
    doc = document_for(BOX)
    validate(doc)
    assert doc["components"]["schemas"]["ApiName"]["enum"] == ["botamp", "convertkit"]
    assert "list_tags" in doc["components"]["schemas"]["OperationId"]["enum"]


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_sandbox_keeps_its_control_contract(case: Any) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)
    BOX.services.faults.clear()  # a generated fault must not answer the next call
