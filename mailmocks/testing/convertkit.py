"""`convertkit_mock`: the credentials of the default account and the thin client, wired."""
from __future__ import annotations

from typing import Any

from . import MockServer


class Mock(MockServer):
    api_name = "convertkit"

    @property
    def account(self) -> Any:
        return self.world.default

    @property
    def api_key(self) -> str:
        return str(self.account.api_key)

    @property
    def api_secret(self) -> str:
        return str(self.account.api_secret)

    def client(self, *, public: bool = False, **options: Any) -> Any:
        """The thin ConvertKit client, wired to this fake (with the secret unless public)."""
        from ..clients.convertkit import ConvertKit
        options.setdefault("sleep", lambda _s: None)
        return ConvertKit(api_key=self.api_key, api_secret=None if public else self.api_secret,
                          base_url=self.base_url, http_client=self.http, **options)
