"""`highlevel_mock`: the default location's tokens, the thin client wired, a Billetto emitter.

    def test_welcome(highlevel_mock):
        hl = highlevel_mock.client()                 # all scopes, Version 2021-07-28
        hl.fetch_template(highlevel_mock.location_id)
        highlevel_mock.billetto.emit("attendee.created", url=receiver_url)  # signed, delivered
"""
from __future__ import annotations

from typing import Any

from ..apis.highlevel.billetto import verify
from ..apis.highlevel.sandbox import emit
from ..core.webhooks import Delivery
from . import MockServer


class BillettoEmitter:
    """Fires signed Billetto webhooks from the mock's sandbox (journaled like any delivery)."""

    def __init__(self, mock: Mock) -> None:
        self.mock = mock

    @property
    def secret(self) -> str:
        return str(self.mock.world.billetto_secret)

    def emit(self, action: str, url: str | None = None, *, data: dict[str, Any] | None = None,
             secret: str | None = None, deliver: bool = True) -> Delivery:
        """Send one event to `url` (or every registered target); `deliver` drains the jobs so
        the receiver has answered when this returns. Returns the (first) delivery."""
        sent = emit(self.mock.world, self.mock.services, action, url=url, secret=secret,
                    data=data)
        if deliver:
            self.mock.drain()
        return sent[0]

    def verify(self, body: bytes, header: str | None, **options: Any) -> int:
        """`mailmocks.billetto.verify` with this sandbox's secret."""
        return verify(body, header, self.secret, **options)


class Mock(MockServer):
    api_name = "highlevel"

    @property
    def location(self) -> Any:
        return self.world.default

    @property
    def location_id(self) -> str:
        return str(self.location.id)

    def _token(self, location: Any, name: str | None = None) -> str:
        for token in self.world.tokens.values():
            if token.location_id == location.id and (name is None or token.name == name):
                return str(token.value)
        raise LookupError(f"no token {name!r} for location {location.id}")

    @property
    def token(self) -> str:
        """The default location's private-integration token holding every scope."""
        return self._token(self.location, "All scopes")

    @property
    def readonly_token(self) -> str:
        return self._token(self.location, "Read only")

    @property
    def other_location_id(self) -> str:
        return str(list(self.world.locations.values())[1].id)

    @property
    def other_token(self) -> str:
        """A token of the second location: it never reaches the default one."""
        return self._token(list(self.world.locations.values())[1])

    @property
    def billetto(self) -> BillettoEmitter:
        return BillettoEmitter(self)

    def client(self, token: str | None = None, **options: Any) -> Any:
        """The thin HighLevel client wired to this fake (all scopes unless `token` is given)."""
        from ..clients.highlevel import HighLevel
        options.setdefault("sleep", lambda _s: None)
        return HighLevel(token or self.token, base_url=self.base_url, http_client=self.http,
                         **options)
