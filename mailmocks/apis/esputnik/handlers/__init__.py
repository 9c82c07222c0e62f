"""The handlers, one module per area of the eSputnik docs (docs/vendors/esputnik.md), and the
answers they share.

Every answer says `application/json; charset=UTF-8`, also the plain-text confirmations of
PUT/DELETE contact and the empty bodies of events, so those are sent as raw bytes.
"""
from __future__ import annotations

from typing import Any

from ....core import Reply
from ..model import ApiCall

JSON_UTF8 = "application/json; charset=UTF-8"
MAX_ROWS = 500  # rows in one page of any list (§0); a larger maxrows is read as this


def plain_ok(text: str) -> Reply:
    """200 with a plain-text body under the JSON content type, as the service sends it."""
    return Reply(200, text.encode(), {}, JSON_UTF8)


def empty_ok(headers: dict[str, str] | None = None) -> Reply:
    return Reply(200, None, dict(headers or {}), None)


def listing(items: list[Any], total: int) -> Reply:
    """A page of a list with its `TotalCount` header."""
    return Reply(200, items, {"TotalCount": str(total)})


def page_args(call: ApiCall) -> tuple[int, int]:
    """`startindex` (1-based) and `maxrows` as a slice start and length."""
    start = int(call.params.get("startindex", 1))
    rows = min(int(call.params.get("maxrows", MAX_ROWS)), MAX_ROWS)
    return start - 1, rows
