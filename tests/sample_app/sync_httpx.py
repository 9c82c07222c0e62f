"""Signing people up with httpx, synchronously (a module-level client, made at import)."""
from __future__ import annotations

import httpx

from .sync_calls import SyncCalls

http = httpx.Client(timeout=10)  # created long before any test fixture
_calls = SyncCalls(http)
convertkit_subscribe = _calls.convertkit_subscribe
botamp_upsert = _calls.botamp_upsert
esputnik_add_contact = _calls.esputnik_add_contact
parcelvoy_identify = _calls.parcelvoy_identify
highlevel_blog_sites = _calls.highlevel_blog_sites
