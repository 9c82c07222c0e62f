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
