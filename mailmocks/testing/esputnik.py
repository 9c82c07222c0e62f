"""`esputnik_mock`: the default organisation's API key and the thin client, wired."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import MockServer

if TYPE_CHECKING:
    from ..apis.esputnik.model import Org, World
    from ..clients.esputnik import AsyncESputnik, ESputnik


class Mock(MockServer):
    api_name = "esputnik"

    @property
    def world(self) -> World:
        world: World = self.app.world
        return world

    @property
    def org(self) -> Org:
        return self.world.default

    @property
    def api_key(self) -> str:
        return str(self.org.api_keys[0])

    @property
    def auth(self) -> tuple[str, str]:
        """Basic credentials for httpx: any user name, the API key as the password."""
        return ("mailmocks", self.api_key)

    def client(self, **options: Any) -> ESputnik:
        """The thin eSputnik client, wired to this fake (no real sleeping on retries)."""
        from ..clients.esputnik import ESputnik
        options.setdefault("sleep", lambda _s: None)
        return ESputnik(self.api_key, base_url=self.base_url, http_client=self.http, **options)

    def async_client(self, **options: Any) -> AsyncESputnik:
        """The thin async client, wired to this fake (close it with `await c.aclose()`)."""
        from ..clients.esputnik import AsyncESputnik

        options = self.async_options(options)
        return AsyncESputnik(self.api_key, base_url=self.base_url, **options)
