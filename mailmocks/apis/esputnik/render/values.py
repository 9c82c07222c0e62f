"""Velocity values as Java sees them, and the only members a template can reach.

Values are plain JSON values (str, int, float, bool, None, list, dict) plus the ranges and
loop scopes a template makes. A member is found only in `METHODS` (keyed by the Java type the
value stands for) and `property_of`; nothing else on a Python object is ever looked up.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluate import Eval

LONG_MAX = (1 << 63) - 1  # Java long
INT_MAX = (1 << 31) - 1  # Java int: range bounds


class VelocityError(ValueError):
    """A template that does not parse or does not render."""


class Stop(Exception):
    """#stop: rendering ends here, the output so far is the result."""


class Break(Exception):
    """#break: leave the innermost #foreach or macro (or the template)."""


# -- values ----------------------------------------------------------------------------------
class Loop:
    """`$foreach` inside a loop."""

    __slots__ = ("index", "count", "has_next", "first", "last")

    def __init__(self, index: int, length: int) -> None:
        self.index, self.count = index, index + 1
        self.has_next = index + 1 < length
        self.first, self.last = index == 0, index + 1 == length


SEQUENCES = (list, tuple, range)


def kind_of(v: Any) -> str | None:
    """The Java type a value stands for; None for null and for anything that is not ours."""
    if isinstance(v, str):
        return "String"
    if isinstance(v, bool):
        return "Boolean"
    if isinstance(v, int | float):
        return "Number"
    if isinstance(v, SEQUENCES):
        return "List"
    if isinstance(v, dict):
        return "Map"
    if isinstance(v, Loop):
        return "Foreach"
    return None


def describe(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, int) and not isinstance(v, bool):
        return "Integer"
    if isinstance(v, float):
        return "Double"
    return kind_of(v) or "Object"


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def truthy(v: Any) -> bool:
    """Velocity 2's #if: null, false, empty strings and collections and zero are false."""
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, str | int | float | list | tuple | range | dict):
        return bool(v)
    return True


def java_double(x: float) -> str:
    """Double.toString: 1.0, 0.5, 1.0E20, 1.0E-5, NaN, Infinity."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    a = abs(x)
    sign = "-" if x < 0 else ""
    if 1e-3 <= a < 1e7:
        r = repr(a)
        return sign + (r if "." in r else r + ".0")
    d = Decimal(repr(a)).as_tuple()
    digits = "".join(map(str, d.digits)).rstrip("0") or "0"
    exponent = len(d.digits) + int(d.exponent) - 1
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def _index(v: Any) -> int | None:
    """An int argument as Velocity converts one; None when it is not a whole number."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) <= LONG_MAX:
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", v):
        return int(v)
    return None


# -- members: the only things a template can reach ------------------------------------------
Method = Callable[["Eval", Any, list[Any]], Any]


def _string_arg(ev: Eval, v: Any) -> str:
    if v is None:
        raise VelocityError("null passed where a string is expected")
    return ev.text(v)


def _position(v: Any, what: str) -> int:
    i = _index(v)
    if i is None:
        raise VelocityError(f"{what} must be a whole number, got {describe(v)}")
    return i


def _substring(ev: Eval, s: str, a: list[Any]) -> str:
    start = _position(a[0], "substring start")
    end = len(s) if len(a) == 1 else _position(a[1], "substring end")
    if not 0 <= start <= end <= len(s):
        raise VelocityError(f"substring({start}, {end}) out of range for length {len(s)}")
    return s[start:end]


def _replace(ev: Eval, s: str, a: list[Any]) -> str:
    old, new = _string_arg(ev, a[0]), _string_arg(ev, a[1])
    hits = s.count(old) if old else len(s) + 1
    ev.fits(len(s) + hits * (len(new) - len(old)))
    return s.replace(old, new)


def _index_of(ev: Eval, s: str, a: list[Any]) -> int:
    start = 0 if len(a) == 1 else max(0, _position(a[1], "indexOf start"))
    return s.find(_string_arg(ev, a[0]), start)


def _char_at(ev: Eval, s: str, a: list[Any]) -> str:
    i = _position(a[0], "charAt index")
    if not 0 <= i < len(s):
        raise VelocityError(f"charAt({i}) out of range for length {len(s)}")
    return s[i]


def _concat(ev: Eval, s: str, a: list[Any]) -> str:
    other = _string_arg(ev, a[0])
    ev.fits(len(s) + len(other))
    return s + other


def _case(ev: Eval, s: str, upper: bool) -> str:
    out = s.upper() if upper else s.lower()
    ev.fits(len(out))
    return out


_JAVA_SPACE = "".join(map(chr, range(33)))  # String.trim drops every char <= ' '


def list_get(ev: Eval, items: Sequence[Any], a: list[Any]) -> Any:
    i = _index(a[0])
    # Out of range: Velocity logs the exception and renders the reference as missing.
    return items[i] if i is not None and 0 <= i < len(items) else None


def _list_contains(ev: Eval, items: Sequence[Any], a: list[Any]) -> bool:
    if isinstance(items, range):
        return isinstance(a[0], int) and not isinstance(a[0], bool) and a[0] in items
    return any(ev.equals(item, a[0]) for item in items)


def map_get(ev: Eval, m: dict[Any, Any], a: list[Any]) -> Any:
    try:
        return m.get(a[0])
    except TypeError:  # an unhashable key (a list): no such entry
        return None


def _map_has(ev: Eval, m: dict[Any, Any], a: list[Any]) -> bool:
    try:
        return a[0] in m
    except TypeError:
        return False


def _equals(ev: Eval, v: Any, a: list[Any]) -> bool:
    return ev.equals(v, a[0])


def _to_string(ev: Eval, v: Any, a: list[Any]) -> str:
    return ev.text(v)


_COMMON: dict[str, tuple[int, int, Method]] = {
    "equals": (1, 1, _equals),
    "toString": (0, 0, _to_string),
}

# name -> (fewest arguments, most arguments, implementation), per Java type.
METHODS: dict[str, dict[str, tuple[int, int, Method]]] = {
    "String": {
        **_COMMON,
        "equalsIgnoreCase": (1, 1, lambda ev, s, a: isinstance(a[0], str)
                             and s.lower() == a[0].lower()),
        "length": (0, 0, lambda ev, s, a: len(s)),
        "isEmpty": (0, 0, lambda ev, s, a: not s),
        "contains": (1, 1, lambda ev, s, a: _string_arg(ev, a[0]) in s),
        "startsWith": (1, 1, lambda ev, s, a: s.startswith(_string_arg(ev, a[0]))),
        "endsWith": (1, 1, lambda ev, s, a: s.endswith(_string_arg(ev, a[0]))),
        "toUpperCase": (0, 0, lambda ev, s, a: _case(ev, s, True)),
        "toLowerCase": (0, 0, lambda ev, s, a: _case(ev, s, False)),
        "trim": (0, 0, lambda ev, s, a: s.strip(_JAVA_SPACE)),
        "substring": (1, 2, _substring),
        "replace": (2, 2, _replace),
        "indexOf": (1, 2, _index_of),
        "lastIndexOf": (1, 1, lambda ev, s, a: s.rfind(_string_arg(ev, a[0]))),
        "charAt": (1, 1, _char_at),
        "concat": (1, 1, _concat),
    },
    "List": {
        **_COMMON,
        "get": (1, 1, list_get),
        "size": (0, 0, lambda ev, items, a: len(items)),
        "isEmpty": (0, 0, lambda ev, items, a: not items),
        "contains": (1, 1, _list_contains),
    },
    "Map": {
        **_COMMON,
        "get": (1, 1, map_get),
        "containsKey": (1, 1, _map_has),
        "keySet": (0, 0, lambda ev, m, a: list(m)),
        "values": (0, 0, lambda ev, m, a: list(m.values())),
        "size": (0, 0, lambda ev, m, a: len(m)),
        "isEmpty": (0, 0, lambda ev, m, a: not m),
    },
    "Boolean": {**_COMMON, "booleanValue": (0, 0, lambda ev, b, a: b)},
    "Number": dict(_COMMON),
    "Foreach": {
        "hasNext": (0, 0, lambda ev, f, a: f.has_next),
        "isFirst": (0, 0, lambda ev, f, a: f.first),
        "isLast": (0, 0, lambda ev, f, a: f.last),
        "getIndex": (0, 0, lambda ev, f, a: f.index),
        "getCount": (0, 0, lambda ev, f, a: f.count),
    },
}


def property_of(v: Any, name: str) -> Any:
    """`$v.name` without parentheses: a map entry, or one of the getters Velocity maps."""
    if isinstance(v, dict):
        return v.get(name)
    if isinstance(v, Loop):
        return {"index": v.index, "count": v.count, "hasNext": v.has_next, "first": v.first,
                "last": v.last}.get(name)
    if name == "empty" and isinstance(v, str | list | tuple | range):  # isEmpty()
        return not v
    return None
