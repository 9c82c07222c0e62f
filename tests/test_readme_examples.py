"""The pytest examples of README.md, run as written (keep the two in step)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_tests() -> dict[str, Any]:
    """Execute README's python blocks that define tests; return those test functions."""
    namespace: dict[str, Any] = {}
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S):
        if "def test_" in block:
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own docs
    return {k: v for k, v in namespace.items() if k.startswith("test_")}


TESTS = readme_tests()


def test_readme_has_examples() -> None:
    assert {"test_signup_sends_a_confirmation", "test_scheduled_broadcast",
            "test_batch_is_applied_later_and_reported", "test_smartsend_renders_velocity",
            "test_parcelvoy_trigger_sends_the_receipt",
            "test_event_becomes_a_scheduled_blog_post",
            "test_campaign_goes_out_on_time"} <= set(TESTS)


@pytest.mark.parametrize("name", sorted(TESTS))
def test_readme_example(name: str, request: pytest.FixtureRequest) -> None:
    example = TESTS[name]
    # each example names the fixture it needs (convertkit_mock, botamp_mock, ...)
    fixtures = [request.getfixturevalue(p) for p in inspect.signature(example).parameters]
    example(*fixtures)
