"""Every list of the platform: `extractQueryParams` then `Model.search` (core/Model.ts,
core/searchParams.ts, utilities/index.ts at v2.3.3), reproduced on rows of JSON.

Query parameters are strings the route parses itself: a scalar takes the first of repeated
keys, an array all of them; `limit` and `id` are read with JavaScript's `parseInt` (so
`limit=10abc` is 10 and `limit=abc` the default), `filter` with `JSON.parse` (a syntax error
is the generic 400), empty values count as absent; then AJV checks the result (422, the first
error in the schema's property order). The search orders by `sort` (and id) only when a sort
is given (some routes default it), otherwise the table's order (ascending ids); the cursor
keeps rows past it in the direction; `q` is a LIKE on the list's columns (exact or `%q%`,
case-insensitive; a list with no columns ignores it); the page is `limit + 1` rows, so
`limit=-1` reads none. `nextCursor` is the last row's id (with the sort value) when more rows
follow, `prevCursor` the cursor that was sent.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import generic, unprocessable
from ..model import ApiCall, display_phone

_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_PARSE_INT = re.compile(f"^[{_JS_SPACE}]*([+-]?[0-9]+)")
_MYSQL_LIMIT_MAX = 18446744073709551615  # LIMIT takes an unsigned 64-bit number
_MAX_DOUBLE = int(1.7976931348623157e308)  # past it JavaScript's number is Infinity


@dataclass(frozen=True, slots=True)
class List:
    """One route's search: its default sort, the columns `q` searches, and how."""

    fields: tuple[str, ...] = ()
    exact: bool = False
    sort: str | None = None
    direction: str | None = None
    table: str = ""  # `sort=<table>.<column>` names the column too
    virtual: tuple[str, ...] = ()  # keys of the JSON that are no column: sorting by one fails


_NAMES = ("first_name", "last_name", "full_name")  # User.ts getters
CAMPAIGNS = List(fields=("name",), sort="id", direction="desc", table="campaigns",
                 virtual=("tags",))
CAMPAIGN_USERS = List(fields=("email", "phone"), exact=True, table="users", virtual=_NAMES)
TEMPLATES = List(table="templates")  # pagedTemplates gives no columns: `q` changes nothing
USERS = List(fields=("external_id", "email", "phone"), exact=True, sort="id",
             direction="desc", table="users", virtual=_NAMES)
USER_EVENTS = List(fields=("name",), sort="id", direction="desc", table="user_events")
USER_SUBSCRIPTIONS = List(fields=("name", "channel"), table="user_subscription")
SUBSCRIPTIONS = List(fields=("name", "channel"), table="subscriptions")


def shown_user(row: dict[str, Any]) -> dict[str, Any]:
    """A user row as User.toJSON shows it (the phone formatted)."""
    return {**row, "phone": display_phone(row.get("phone"))}


def parse_int(text: str) -> int | None:
    """JavaScript's `parseInt(text, 10)`; None for NaN."""
    m = _PARSE_INT.match(text)
    if m is None:
        return None
    digits = m.group(1)
    if len(digits) > 400:  # Infinity in JavaScript either way (int() stops at 4,300 digits)
        return -(10**400) if digits.startswith("-") else 10**400
    return int(digits)


def _infinite(n: int) -> bool:
    return abs(n) > _MAX_DOUBLE


def _first(call: ApiCall, name: str) -> str | None:
    values = call.query.getlist(name)
    return values[0] if values and values[0] else None  # `v ? [v] : []`


def many_values(call: ApiCall, name: str) -> list[str] | None:
    values = call.query.getlist(name)
    return None if not values or values == [""] else list(values)


@dataclass(slots=True)
class Params:
    limit: int
    cursor: str | None
    page: str | None
    q: str | None
    filter: Any
    sort: str | None
    direction: str | None
    tag: list[str] | None
    id: list[int] | None


def read_params(call: ApiCall, spec: List) -> Params | str:
    """The parsed and checked parameters, or the 422 message AJV gives for them."""
    raw_limit = _first(call, "limit")
    limit = parse_int(raw_limit) if raw_limit is not None else None
    raw_filter = _first(call, "filter")
    filt: Any = None
    if raw_filter is not None:
        try:
            filt = orjson.loads(raw_filter)
        except orjson.JSONDecodeError:
            raise generic() from None  # JSON.parse throws a SyntaxError
    ids_raw, tags = many_values(call, "id"), many_values(call, "tag")
    ids = [parse_int(v) for v in ids_raw] if ids_raw else None
    p = Params(limit=25 if limit is None else limit, cursor=_first(call, "cursor"),
               page=_first(call, "page"), q=_first(call, "q"), filter=filt,
               sort=_first(call, "sort") or spec.sort,
               direction=_first(call, "direction") or spec.direction, tag=tags, id=None)
    # AJV, in the schema's property order: cursor, page, limit, q, filter, sort, direction,
    # tag, id
    if p.page is not None and p.page not in ("prev", "next"):
        return "Must be equal to one of the allowed values"
    if _infinite(p.limit):  # parseInt gives Infinity, which no integer check passes
        return "The value of `limit` must be a integer."
    if p.limit < -1:
        return "Must be >= -1"
    if filt is not None and not isinstance(filt, dict):
        return "The value of `filter` must be a object."
    if p.direction is not None and p.direction not in ("asc", "desc"):
        return "Must be equal to one of the allowed values"
    if ids is not None:
        for i, n in enumerate(ids):
            if n is None or _infinite(n):
                return f"The value of `id/{i}` must be a integer."
            if n < 1:
                return "Must be >= 1"
        p.id = [n for n in ids if n is not None]
    return p


def query_error(call: ApiCall, spec: List | None = None) -> str | None:
    """The 422 message of a list's query, for the Api's `invalid` hook."""
    checked = read_params(call, spec or List())
    return checked if isinstance(checked, str) else None


def _mysql_number(text: str) -> float:
    """How MySQL reads a string compared with a number: its numeric prefix, else 0."""
    m = re.match(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text)
    return float(m.group(0)) if m else 0.0


def _js_string(value: Any) -> str:
    """A value in a JavaScript template literal (how makeCursor writes the sort value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else _js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, float(value))
    if isinstance(value, dict | list):
        return (3, orjson.dumps(value).decode())
    return (2, str(value).lower())  # the column's case-insensitive collation


def _compare(value: Any, since: str) -> int | None:
    """SQL `value <=> since` as -1/0/1, None when NULL takes part."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        x, y = float(value), _mysql_number(since)
        return (x > y) - (x < y)
    s, t = _js_string(value).lower(), since.lower()
    return (s > t) - (s < t)


def _like(pattern: str) -> Callable[[Any], bool]:
    """MySQL `LIKE` (case-insensitive; `%`, `_` and the `\\` escape)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    rx = re.compile("".join(out), re.IGNORECASE | re.DOTALL)
    return lambda v: v is not None and rx.fullmatch(_js_string(v)) is not None


def _limit_rows(limit: int) -> int:
    """knex's `.limit(limit + 1)`: parseInt of the number's JavaScript text; MySQL refuses a
    LIMIT past 2^64 - 1 (the generic 400)."""
    n = float(limit + 1) if abs(limit) >= 2**53 else limit + 1
    if isinstance(n, float):
        n = int(n) if n < 1e21 else int(repr(n)[0])  # String(1e21) is "1e+21"
    if n > _MYSQL_LIMIT_MAX:
        raise generic()
    return n


def search(call: ApiCall, rows: list[dict[str, Any]], spec: List,
           where: Callable[[Params, dict[str, Any]], bool] | None = None,
           post: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Model.search over `rows` (every row of the list's base query, in id order, as the
    database holds them); `post` shapes each result as its model's toJSON does."""
    p = read_params(call, spec)
    if isinstance(p, str):
        raise unprocessable(p)
    if where is not None:
        rows = [r for r in rows if where(p, r)]
    sort, desc = p.sort, (p.direction or "asc") == "desc"
    page = p.page or "next"
    if sort:
        column = sort.removeprefix(f"{spec.table}.") if spec.table else sort
        if column in spec.virtual or (rows and column not in rows[0]):
            raise generic()  # an unknown column fails in the database
        sort = column
        rows = sorted(rows, key=lambda r: (_key(r.get(sort)), r["id"]), reverse=desc)
    if p.cursor:
        parts = p.cursor.split(",")
        since_id, since_sort = parts[0], parts[1] if len(parts) > 1 else ""
        forward = (page == "next") != desc  # `>` / `>=` when true
        strict = page == "next"

        def keep(r: dict[str, Any]) -> bool:
            if since_sort and sort:
                c = _compare(r.get(sort), since_sort)
                if c is None:
                    return False
                if c == 0:
                    c = (r["id"] > _mysql_number(since_id)) - (r["id"] < _mysql_number(since_id))
            else:
                c = (r["id"] > _mysql_number(since_id)) - (r["id"] < _mysql_number(since_id))
            return c > 0 or (c == 0 and not strict) if forward else (
                c < 0 or (c == 0 and not strict))
        rows = [r for r in rows if keep(r)]
    if p.q and spec.fields:
        match = _like(p.q if spec.exact else f"%{p.q}%")
        rows = [r for r in rows if any(match(r.get(f)) for f in spec.fields)]
    if p.id:
        wanted = set(p.id)
        rows = [r for r in rows if r["id"] in wanted]
    data = rows[:_limit_rows(p.limit)]
    results = data[:p.limit] if p.limit >= 0 else data[:max(0, len(data) + p.limit)]
    end = (results[-1] if page == "next" else results[0]) if results else None
    end_cursor = None
    if end is not None and len(results) < len(data):
        end_cursor = (str(end["id"]) if not sort or sort == "id"
                      else f"{end['id']},{_js_string(end.get(sort))}")
    out: dict[str, Any] = {"results": [post(r) for r in results] if post else results}
    next_cursor = end_cursor if page == "next" else p.cursor
    prev_cursor = p.cursor if page == "next" else end_cursor
    if next_cursor is not None:
        out["nextCursor"] = next_cursor
    if prev_cursor is not None:
        out["prevCursor"] = prev_cursor
    # a JavaScript number: past 2^53 a double (what JSON.stringify writes, e.g. 1e+30)
    out["limit"] = float(p.limit) if abs(p.limit) > 2**53 else p.limit
    return out
