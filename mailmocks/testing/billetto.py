"""`<mock>.billetto`: signed Billetto webhooks from a mock's sandbox, for tests.

    def test_signup(highlevel_mock, receiver):
        highlevel_mock.billetto.emit("attendee.created", url=receiver.url)  # signed, delivered

Billetto is an event source carried by an API (HighLevel), not an API of its own, so there
is no `billetto_mock`: the carrier's mock offers a `BillettoEmitter`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..apis.billetto import Source, emit, verify
from ..core import Delivery
from . import MockServer


class BillettoEmitter:
    """Fires signed Billetto webhooks from the mock's sandbox (journaled like any delivery).

    `source` finds the carrier world's Billetto state when asked, so the emitter keeps
    working after a sandbox reset."""

    def __init__(self, mock: MockServer, source: Callable[[], Source]) -> None:
        self.mock = mock
        self._source = source

    @property
    def source(self) -> Source:
        return self._source()

    @property
    def secret(self) -> str:
        return self.source.secret

    def emit(self, action: str, url: str | None = None, *, data: dict[str, Any] | None = None,
             secret: str | None = None, deliver: bool = True) -> Delivery:
        """Send one event to `url` (or every registered target); `deliver` drains the jobs so
        the receiver has answered when this returns. Returns the (first) delivery."""
        sent = emit(self.source, self.mock.services, action, url=url, secret=secret, data=data)
        if deliver:
            self.mock.drain()
        return sent[0]

    def verify(self, body: bytes, header: str | None, **options: Any) -> int:
        """`mailmocks.billetto.verify` with this sandbox's secret."""
        return verify(body, header, self.secret, **options)
