"""The retry rule shared by every thin client: never resend what the server may have acted on."""
from __future__ import annotations

import random

import httpx
import pytest

from mailmocks.clients.base import RetryPolicy

REQ = httpx.Request("POST", "https://vendor.test/x")


def response(status: int) -> httpx.Response:
    return httpx.Response(status, request=REQ)


@pytest.mark.parametrize(("method", "idempotent", "outcome", "retried"), [
    ("GET", None, response(500), True),
    ("PUT", None, response(503), True),
    ("DELETE", None, httpx.ReadTimeout("slow", request=REQ), True),
    ("POST", None, response(500), False),  # it may have been created: do not create it twice
    ("POST", None, httpx.ReadTimeout("slow", request=REQ), False),
    ("PATCH", None, response(502), False),
    ("POST", None, response(429), True),  # refused before any work
    ("POST", None, httpx.ConnectError("refused", request=REQ), True),  # never reached it
    ("POST", True, response(500), True),  # an upsert says it is safe to resend
    ("GET", None, response(404), False),
])
def test_what_is_retried(method: str, idempotent: bool | None, outcome: object,
                         retried: bool) -> None:
    policy = RetryPolicy(rng=random.Random(1))
    delay = policy.delay_after(1, outcome, method, idempotent)  # type: ignore[arg-type]
    assert (delay is not None) is retried


def test_no_retry_once_attempts_are_used_up() -> None:
    assert RetryPolicy(attempts=2).delay_after(2, response(503)) is None
