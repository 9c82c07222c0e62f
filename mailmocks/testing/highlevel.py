"""`highlevel_mock`: the default location's tokens, the thin client wired, a Billetto emitter.

    def test_welcome(highlevel_mock):
        hl = highlevel_mock.client()                 # all scopes, Version 2021-07-28
        hl.fetch_template(highlevel_mock.location_id)
        highlevel_mock.billetto.emit("attendee.created", url=receiver_url)  # signed, delivered
"""
from __future__ import annotations

from typing import Any, cast

from ..apis.highlevel.model import Location, World
from ..clients.highlevel import AsyncHighLevel, HighLevel
from . import MockServer
from .billetto import BillettoEmitter

__all__ = ["BillettoEmitter", "Mock"]


class Mock(MockServer):
    api_name = "highlevel"

    @property
    def world(self) -> World:
        return cast(World, self.app.world)

    @property
    def location(self) -> Location:
        return self.world.default

    @property
    def location_id(self) -> str:
        return self.location.id

    def _token(self, location: Location, name: str | None = None) -> str:
        for token in self.world.tokens.values():
            if token.location_id == location.id and (name is None or token.name == name):
                return token.value
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
        return list(self.world.locations.values())[1].id

    @property
    def other_token(self) -> str:
        """A token of the second location: it never reaches the default one."""
        return self._token(list(self.world.locations.values())[1])

    @property
    def billetto(self) -> BillettoEmitter:
        """Billetto, the event source feeding this HighLevel sandbox (testing/billetto.py)."""
        return BillettoEmitter(self, lambda: self.world.billetto)

    def client(self, token: str | None = None, **options: Any) -> HighLevel:
        """The thin HighLevel client wired to this fake (all scopes unless `token` is given)."""
        options.setdefault("sleep", lambda _s: None)
        return HighLevel(token or self.token, base_url=self.base_url, http_client=self.http,
                         **options)

    def async_client(self, **options: Any) -> AsyncHighLevel:
        """The thin async client, wired to this fake (close it with `await c.aclose()`)."""
        options = self.async_options(options)
        return AsyncHighLevel(self.token, base_url=self.base_url, **options)
