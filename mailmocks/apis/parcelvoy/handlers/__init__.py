"""Parcelvoy's operations, one module per area of its docs (docs/vendors/parcelvoy.md §3, §4):
ingestion (identify, alias, devices, events, segment), campaigns, templates, users,
subscriptions and journeys. Each handler is named after its operationId and marked `@op`.

Here: the cursor page every list answers (§4.6), shared by the areas.
"""
from __future__ import annotations

from typing import Any

from ..errors import generic
from ..model import ApiCall


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (2, str(value))


def cursor_page(call: ApiCall, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Model.search: `{results, nextCursor?, prevCursor?, limit}`, newest first by default."""
    p = call.params
    limit = int(p.get("limit", 25))
    sort = p.get("sort") or "id"
    if rows and sort not in rows[0]:
        raise generic()  # an unknown column fails in the database
    rows.sort(key=lambda r: (_sortable(r.get(sort)), r["id"]),
              reverse=p.get("direction", "desc") == "desc")
    size = len(rows) if limit < 0 else limit
    start, end = 0, min(size, len(rows))
    cursor = p.get("cursor")
    if cursor:
        head = str(cursor).split(",", 1)[0]
        at = next((i for i, r in enumerate(rows) if str(r["id"]) == head), None)
        if at is None:
            start = end = 0
        elif p.get("page") == "prev":
            start, end = max(0, at - size), at
        else:
            start, end = at + 1, min(len(rows), at + 1 + size)
    window = rows[start:end]
    out: dict[str, Any] = {"results": window, "limit": limit}

    def mark(r: dict[str, Any]) -> str:
        return str(r["id"]) if sort == "id" else f"{r['id']},{r.get(sort)}"
    if window and end < len(rows):
        out["nextCursor"] = mark(window[-1])
    if window and start > 0:
        out["prevCursor"] = mark(window[0])
    return out


def search_term(call: ApiCall) -> str | None:
    """The `q` parameter, when one was given."""
    q = call.params.get("q")
    return q if isinstance(q, str) and q else None
