"""Parcelvoy's operations, one module per area of its docs (docs/vendors/parcelvoy.md §3, §4):
ingestion (identify, alias, devices, events, segment), project (the project and the health
check), campaigns, templates, users, subscriptions and journeys. Each handler is named after
its operationId and marked `@op`.

Here: the search every list answers, shared by the areas (see search.py).
"""
from __future__ import annotations

from .search import (
    CAMPAIGN_USERS,
    CAMPAIGNS,
    SUBSCRIPTIONS,
    TEMPLATES,
    USER_EVENTS,
    USER_SUBSCRIPTIONS,
    USERS,
    List,
    query_error,
    search,
)

__all__ = ["CAMPAIGNS", "CAMPAIGN_USERS", "SUBSCRIPTIONS", "TEMPLATES", "USERS", "USER_EVENTS",
           "USER_SUBSCRIPTIONS", "List", "query_error", "search"]
