"""Schemathesis over contracts/highlevel.yaml against the fake, in-process.

Positive and negative data for the 30 operations, then stateful runs over the contract's
links (create a post -> update it / check its slug; create a template -> delete it; v3:
create a template -> get / update / delete it; create a campaign -> get / update / schedule /
delete it). The fake
runs in strict mode, so an off-contract answer fails here as well as in schemathesis's checks.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import unsupported_method

from mailmocks.core.resources import contract_path
from mailmocks.pytest_plugin import make_mock

MOCK = make_mock("highlevel")
MOCK.services.limiter.enabled = False  # thousands of calls; the limits are tested elsewhere
LOCATION = MOCK.location_id

schema = schemathesis.openapi.from_path(contract_path("highlevel.yaml"))
schema.app = MOCK.app
# Schema-valid data still meets HighLevel's business rules, answered with the contract's
# documented errors: a taken urlSlug (400), an unknown blog/post/template (404), an author or
# category of no location (422), `ALL` or a missing `wordCount` outside Version v3 (422); in
# the Email API v3 a campaign that is no draft (400 on update, 409 on schedule), one with no
# content (400), contacts or tags of no location and an unknown time zone (422).
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx", "400", "401", "403", "404", "409", "422"]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

# HighLevel is a NestJS app: a method with no route is a routing error, answered 404
# `Cannot <METHOD> <path>` like an unknown path (assumption J), not the 405 this check wants.
EXCLUDED = [unsupported_method]


@schema.auth()
class Bearer:
    """The all-scopes token opens every operation; schemathesis also probes without it."""

    def get(self, case: Any, ctx: Any) -> str:
        return MOCK.token

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


WORLD = MOCK.location
PINS: dict[str, str] = {
    "locationId": LOCATION,
    "blogId": next(iter(WORLD.blogs)).id,
    "author": next(iter(WORLD.authors)).id,
    "templateId": next(t.id for t in WORLD.templates if t.template_type == "html"),
}
CATEGORY = next(iter(WORLD.categories)).id


def pin_location(case: Any) -> None:
    """Generated strings never name this location or its blogs, authors, categories or
    templates (403/404/422 every time); point the schema-valid ones at real records. Missing or
    mistyped values stay as generated, so negative cases stay negative. Path template ids
    stay random: the stateful links feed them real ones."""
    for holder in (case.query, case.path_parameters, case.body):
        if not isinstance(holder, dict):
            continue
        for name, value in PINS.items():
            if isinstance(holder.get(name), str) and not (
                    name == "templateId" and holder is case.path_parameters):
                holder[name] = value
        cats = holder.get("categories")
        if isinstance(cats, list) and all(isinstance(c, str) for c in cats):
            holder["categories"] = [CATEGORY] * min(len(cats), 1)


@schema.parametrize()
@SETTINGS
def test_operation_matches_contract(case: Any) -> None:
    pin_location(case)
    case.call_and_validate(excluded_checks=EXCLUDED)


def fresh_world() -> None:
    """Each stateful example starts from the fixtures, so a replayed example sees the same
    answers (hypothesis insists); same seed, same ids, so the pins stay valid."""
    for job in MOCK.jobs.pending():
        MOCK.jobs.cancel(job)
    MOCK.app.world = MOCK.app.api.new_world(MOCK.services)


class HighLevelStateMachine(schema.as_state_machine()):  # type: ignore[misc]
    def __init__(self) -> None:
        fresh_world()
        super().__init__()

    def before_call(self, case: Any) -> None:
        pin_location(case)

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        case.validate_response(response, excluded_checks=EXCLUDED, **kwargs)


TestStateful = HighLevelStateMachine.TestCase
TestStateful.settings = settings(max_examples=35, stateful_step_count=6, deadline=None,
                                 derandomize=True, suppress_health_check=list(HealthCheck))


def test_no_contract_violation_was_recorded() -> None:
    assert MOCK.app.violations == []
