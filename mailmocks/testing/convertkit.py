"""`convertkit_mock`: the credentials of the default account and the thin client, wired."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import MockServer

if TYPE_CHECKING:
    from ..apis.convertkit.model import Account, World
    from ..clients.convertkit import AsyncConvertKit, ConvertKit


class Mock(MockServer):
    api_name = "convertkit"

    @property
    def world(self) -> World:
        world: World = self.app.world
        return world

    @property
    def account(self) -> Account:
        return self.world.default

    @property
    def api_key(self) -> str:
        return self.account.api_key

    @property
    def api_secret(self) -> str:
        return self.account.api_secret

    def client(self, *, public: bool = False, **options: Any) -> ConvertKit:
        """The thin ConvertKit client, wired to this fake (with the secret unless public)."""
        from ..clients.convertkit import ConvertKit
        options.setdefault("sleep", lambda _s: None)
        return ConvertKit(api_key=self.api_key, api_secret=None if public else self.api_secret,
                          base_url=self.base_url, http_client=self.http, **options)

    def async_client(self, **options: Any) -> AsyncConvertKit:
        """The thin async client, wired to this fake (close it with `await c.aclose()`)."""
        from ..clients.convertkit import AsyncConvertKit

        options = self.async_options(options)
        return AsyncConvertKit(api_key=self.api_key, api_secret=self.api_secret,
                               base_url=self.base_url, **options)
