"""`botamp_mock`: the default account's key and owner, the thin clients wired, and helpers to
look at what a batch stored (Botamp's API has no read endpoint)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import httpx

from . import IN_PROCESS_HOST, MockServer, _no_sleep

if TYPE_CHECKING:
    from ..apis.botamp.model import Account, Batch, Subscriber, World
    from ..clients.botamp import AsyncBotamp, Botamp
    from ..core import Message


class Mock(MockServer):
    api_name = "botamp"

    @property
    def world(self) -> World:
        return cast("World", self.app.world)

    @property
    def account(self) -> Account:
        return self.world.default

    @property
    def api_key(self) -> str:
        return self.account.api_key

    @property
    def owner_email(self) -> str:
        return self.account.owner_email

    def client(self, *, api_key: str | None = None, **options: Any) -> Botamp:
        """The thin sync client, wired to this fake with the current key (or `api_key`)."""
        from ..clients.botamp import Botamp
        options.setdefault("sleep", lambda _s: None)
        options.setdefault("http_client", self.http)  # pass None for a client of its own
        return Botamp(api_key or self.api_key, base_url=self.base_url, **options)

    def async_client(self, *, api_key: str | None = None, **options: Any) -> AsyncBotamp:
        """The thin async client (close it with `await c.aclose()` or `async with`)."""
        from ..clients.botamp import AsyncBotamp

        options.setdefault("sleep", _no_sleep)
        if self.root == IN_PROCESS_HOST:
            options.setdefault("transport", httpx.ASGITransport(app=self.sandbox))
        return AsyncBotamp(api_key or self.api_key, base_url=self.base_url, **options)

    def regenerate_key(self) -> str:
        """What the owner does under "Advanced Options": the old key stops working at once."""
        return self.world.regenerate_key(self.account)

    def subscriber(self, email: str) -> Subscriber | None:
        """The stored subscriber with this email (case-insensitive), or None."""
        return self.account.subscribers.by("email", email.strip().lower())

    @property
    def subscribers(self) -> list[Subscriber]:
        return list(self.account.subscribers)

    @property
    def batches(self) -> list[Batch]:
        return list(self.account.batches)

    def reports(self) -> list[Message]:
        """The batch report emails sent to the account owner, oldest first."""
        return list(self.outbox.messages("botamp", to=self.owner_email, kind="report"))
