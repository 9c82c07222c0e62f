"""Every operationId of every contract is bound to a handler: no stubs, nothing pending."""
from __future__ import annotations

import pytest

from mailmocks import apis

PENDING: dict[str, set[str]] = {}  # api -> operationIds knowingly not built yet (none today)


@pytest.mark.parametrize("name", apis.names())
def test_every_operation_is_bound(name: str) -> None:
    api = apis.load(name)
    assert set(api.unbound()) == PENDING.get(name, set())
    assert not set(api.handlers) - set(api.contract.operations), "handler for no operation"


def test_convertkit_has_all_35_operations_and_the_course_aliases() -> None:
    ops = apis.load("convertkit").contract.operations
    assert len(ops) == 38  # the 34 of the v3 docs, subscription_forms (D-15), 3 course aliases
    assert {"list_courses", "add_subscriber_to_course", "list_course_subscriptions"} <= set(ops)
