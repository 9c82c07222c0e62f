"""HighLevel API v2 (Blogs, Emails builder and schedule) fed by Billetto webhooks.

`api` is what the registry loads; the modules: `api` (hooks and handlers), `state`,
`emails_v3` (the v3 Email API), `fixtures`, `billetto` (signing and payloads) and
`sandbox` (previews, the Billetto emitter).
"""
from __future__ import annotations

from . import emails_v3  # noqa: F401  (registers the Email API v3 handlers on `api`)
from .api import HighLevelApi, api
from .state import World

__all__ = ["HighLevelApi", "World", "api"]
