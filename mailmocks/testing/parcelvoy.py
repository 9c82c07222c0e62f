"""`parcelvoy_mock`: the default project's keys, the thin client wired, and the send records."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from . import MockServer

if TYPE_CHECKING:
    from ..apis.parcelvoy.model import CampaignSend, Project, User, World
    from ..clients.parcelvoy import AsyncParcelvoy, Parcelvoy


class Mock(MockServer):
    api_name = "parcelvoy"

    @property
    def world(self) -> World:
        return cast("World", self.app.world)

    @property
    def project(self) -> Project:
        return self.world.default

    def _key(self, scope: str, role: str | None = None) -> str:
        for key in self.world.keys_of(self.project.id):
            if key.deleted_at is None and key.scope == scope and role in (None, key.role):
                return str(key.value)
        raise LookupError(f"no {scope} key with role {role} in the fixtures")

    @property
    def public_key(self) -> str:
        return self._key("public")

    @property
    def secret_key(self) -> str:
        """The secret key with role `editor` (enough for campaign and journey triggers)."""
        return self._key("secret", "editor")

    @property
    def support_key(self) -> str:
        return self._key("secret", "support")

    @property
    def admin_key(self) -> str:
        return self._key("secret", "admin")

    def sends(self, campaign_id: int | None = None) -> list[CampaignSend]:
        """Campaign send records (`campaign_sends`), oldest first."""
        return [s for s in self.world.sends
                if campaign_id is None or s.campaign_id == campaign_id]

    def user(self, external_id: str) -> User | None:
        return self.world.user_by_external(self.project.id, external_id)

    def events(self, external_id: str) -> list[str]:
        """Event names of a user, oldest first."""
        user = self.user(external_id)
        if user is None:
            return []
        return [e.name for e in self.world.events if e.user_id == user.id]

    def client(self, key: str | None = None, **options: Any) -> Parcelvoy:
        """The thin Parcelvoy client, wired to this fake (the editor secret key by default)."""
        from ..clients.parcelvoy import Parcelvoy
        options.setdefault("sleep", lambda _s: None)
        return Parcelvoy(api_key=key or self.secret_key, base_url=self.base_url,
                         http_client=self.http, **options)

    def async_client(self, **options: Any) -> AsyncParcelvoy:
        """The thin async client, wired to this fake (close it with `await c.aclose()`)."""
        from ..clients.parcelvoy import AsyncParcelvoy

        options = self.async_options(options)
        return AsyncParcelvoy(api_key=self.secret_key, base_url=self.base_url, **options)
