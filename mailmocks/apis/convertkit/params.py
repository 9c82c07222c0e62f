"""Rails params and ActiveRecord casting, as Kit's v3 servers read a request (§1.4).

A JSON body keeps its JSON types, while query-string and form parameters are all strings;
ActiveRecord then casts each value to its column's type. So an id may come as `3001` or
`"3001"`, a flag as `true` or `"false"`, a price as `5.0` or `"5.00"`, and `""` is blank
(nil). What a column cannot hold is refused here, before anything is stored (D-13): a
4-byte integer column, a decimal(15,2) money column, a datetime of a four-digit year.
References (§n, D-n) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

from ...core import HttpError
from . import errors

INT4 = 2**31 - 1  # Rails' default integer column (quantity)
INT8 = 2**63 - 1  # bigint: record ids (tag, form, sequence, product ids)
MONEY = 10**13  # decimal(15,2): money and unit prices stay below this in absolute value
INTEGER_TEXT = re.compile(r"^\s*[+-]?[0-9]{1,19}\s*$")
NUMBER_TEXT = re.compile(r"^\s*[+-]?([0-9]{1,16}(\.[0-9]*)?|\.[0-9]+)\s*$")
# ActiveModel::Type::Boolean: these read as false, "" as nil, anything else as true
FALSE_TEXT = frozenset({"0", "f", "F", "false", "FALSE", "off", "OFF"})


def blank(value: Any) -> bool:
    """Rails' `blank?` for a parameter: nil, "" or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_int(value: Any, name: str, top: int = INT8, low: int = 0) -> int | None:
    """An integer parameter (JSON number or numeric string) in [low, top]; None when blank."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise errors.unprocessable(f"{name} must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise errors.unprocessable(f"{name} must be an integer")
    elif isinstance(value, str):
        if not INTEGER_TEXT.match(value):
            raise errors.unprocessable(f"{name} must be an integer")
    elif not isinstance(value, int):
        raise errors.unprocessable(f"{name} must be an integer")
    number = int(value) if not isinstance(value, float) or abs(value) < 2.0**64 else top + 1
    if not low <= number <= top:
        raise errors.unprocessable(f"{name} is out of range")
    return number


def as_money(value: Any, name: str) -> float | None:
    """A decimal parameter (JSON number or numeric string); None when blank."""
    if blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise errors.unprocessable(f"{name} must be a number")
    if isinstance(value, str) and not NUMBER_TEXT.match(value):
        raise errors.unprocessable(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or abs(number) >= MONEY:
        raise errors.unprocessable(f"{name} is out of range")
    return round(number, 2)


def as_bool(value: Any) -> bool | None:
    """ActiveModel's boolean cast: false, 0 and the false words are false; blank is nil."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):  # only "" is blank: " " is true, as in Rails
        return None if value == "" else value not in FALSE_TEXT
    return bool(value != 0)


def as_text(value: Any) -> str | None:
    """A string column's cast (ActiveModel's string type): a number is kept as its text,
    true and false as "t" and "f"."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}"  # Ruby prints 5.0 as "5.0"
    return str(value)


def as_ids(value: Any, name: str) -> list[int]:
    """An array of ids; a single id counts as a list of one (a `tags=5` form parameter)."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        number = as_int(item, name)
        if number is not None:
            out.append(number)
    return out


def as_time(value: Any, name: str) -> float | None:
    """A datetime: ISO-8601, or `Y-m-d H:i:s` taken as UTC, or a bare date (§8).

    Its UTC instant must fall in years 0001-9999, what every read prints (D-13)."""
    if blank(value):
        return None
    if not isinstance(value, str):
        raise errors.unprocessable(f"{name} is not a valid time: {value!r}")
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise errors.unprocessable(f"{name} is not a valid time: {value}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc).timestamp()
    except OverflowError:
        raise errors.unprocessable(f"{name} is out of range: {value}") from None


def time_bound(value: str, name: str) -> float:
    """A time used only to compare (a list filter): out of range is before or after all."""
    try:
        ts = as_time(value, name)
    except HttpError:
        if not re.match(r"^\s*(0001|9999)-", value):
            raise  # not a time at all
        return -math.inf if value.strip().startswith("0001") else math.inf
    assert ts is not None  # the contract's pattern refuses a blank filter
    return ts


# -- the query string, as Rack's nested parser reads it -------------------------------------
KEY_PART = re.compile(r"\[([^\[\]]*)\]")
DEPTH = 32  # Rack refuses deeper nesting (its limit is 100); no client nests past 3


def nested_query(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`tags[]=1&tags[]=2&fields[last_name]=Snow&tag[][name]=A` as Rack nests them: `[]`
    appends, `[key]` opens a hash, a plain key repeated keeps its last value (§1.4). A key
    used both as a scalar and as a hash or list is Rack's 400."""
    params: dict[str, Any] = {}
    for name, value in pairs:
        head, _, rest = name.partition("[")
        if not head:
            continue
        parts = KEY_PART.findall("[" + rest) if rest else []
        if len(parts) > DEPTH:
            raise errors.error(400, f"Invalid query parameters: {name} is nested too deeply")
        _put(params, head, parts, value, name)
    return params


def _put(into: dict[str, Any], key: str, parts: list[str], value: str, name: str) -> None:
    if not parts:
        into[key] = value  # Rack: the last value of a repeated key wins
        return
    child, rest = parts[0], parts[1:]
    if child == "":  # `key[]...`: a list
        items = into.setdefault(key, [])
        if not isinstance(items, list):
            raise _conflict(name, "Array", items)
        if not rest:
            items.append(value)
            return
        last = items[-1] if items else None
        if isinstance(last, dict) and not _has(last, rest):
            _put(last, rest[0], rest[1:], value, name)  # `tag[][name]=A&tag[][x]=1`: one hash
        else:
            fresh: dict[str, Any] = {}
            _put(fresh, rest[0], rest[1:], value, name)
            items.append(fresh)
        return
    table = into.setdefault(key, {})
    if not isinstance(table, dict):
        raise _conflict(name, "Hash", table)
    _put(table, child, rest, value, name)


def _has(table: dict[str, Any], parts: list[str]) -> bool:
    """Whether `parts` already names a value in `table` (Rack then starts a new hash)."""
    head = parts[0]
    if head not in table:
        return False
    if len(parts) == 1 or parts[1] == "":
        return True
    inner = table[head]
    return isinstance(inner, dict) and _has(inner, parts[1:])


def _conflict(name: str, wanted: str, got: Any) -> HttpError:
    kind = "Array" if isinstance(got, list) else "Hash" if isinstance(got, dict) else "String"
    return errors.error(400, f"Invalid query parameters: expected {wanted} (got {kind}) "
                             f"for param `{name.partition('[')[0]}'")
