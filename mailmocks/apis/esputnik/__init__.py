"""eSputnik (Yespo) REST API v1/v2, as the real service behaves.

Facts: ../shared/api-facts/esputnik.md; the contract is contracts/esputnik.yaml, whose
info.description lists the decisions taken where the vendor's docs are silent.

- `base`: the `Api` (Basic auth, Spring-style 401, plain-text errors, rate limits, 409 dedupe).
- `model`: organisations, contacts and their indexes, segments, events, orders, sends.
- `contacts`: single/bulk contacts, imports, search, unsubscribed, categories, segments.
- `events`: events v1/v2 and orders.  `messages`: prepared emails (Velocity) and sends.
- `velocity`: a sandboxed Velocity interpreter with Java-like values, bounded by a render
  budget.  `sandbox`: control routes.
"""
from __future__ import annotations

from . import contacts, events, messages  # noqa: F401 - registers the handlers
from .base import EsputnikApi, api

__all__ = ["EsputnikApi", "api"]
