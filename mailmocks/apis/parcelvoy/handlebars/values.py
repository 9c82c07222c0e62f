"""JavaScript values as Handlebars sees them: how a value prints, escapes and tests true,
and `get`, the only way a template reaches into data (a dict key, a list or string index,
`length`; never an attribute)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final


class HandlebarsError(Exception):
    """A template that does not parse, or that throws while rendering (as handlebars.js would)."""


class SafeString(str):
    """Text that `{{ }}` writes as it is (Handlebars.SafeString)."""

    __slots__ = ()


# JavaScript's \s, used by the lexer and by whitespace control.
WS: Final = (" \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                 "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"})
_DATA_TYPES: Final = (dict, list, str, int, float, type(None))
_MAX_PRINT_DEPTH: Final = 32


def js_number(x: float) -> str:
    """`String(x)` for a JavaScript number."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    sign, digits_t, exp = Decimal(repr(x)).as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digits_t)).rstrip("0") or "0"
    exp += len("".join(map(str, digits_t))) - len(digits)
    k, n = len(digits), exp + len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = (digits if k == 1 else digits[0] + "." + digits[1:]) + \
            ("e+" if e >= 0 else "e-") + str(abs(e))
    return ("-" if sign else "") + text


def js_str(value: Any, _depth: int = 0) -> str:
    """The text of a value as Handlebars writes it: JavaScript's String(), None as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) < 2**53:
            return str(value)
        return js_number(float(value)) if abs(value) < 2**1023 else \
            "Infinity" if value > 0 else "-Infinity"  # a JavaScript number is a double
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, list):  # Array.prototype.toString
        if _depth >= _MAX_PRINT_DEPTH:
            return ""
        return ",".join(js_str(v, _depth + 1) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return ""  # not template data: reads as empty


def escape(value: Any) -> str:
    if isinstance(value, SafeString):
        return value
    return js_str(value).translate(_ESCAPES)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """JavaScript truthiness of template data (anything that is not data is undefined)."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if _is_number(value):
        return bool(value == value and value != 0)
    if isinstance(value, str):
        return value != ""
    return isinstance(value, dict | list)


def is_empty(value: Any) -> bool:
    """Handlebars' isEmpty: falsy but not the number 0, or an empty list."""
    if not truthy(value) and not (_is_number(value) and value == 0):
        return True
    return isinstance(value, list) and not value


def as_data(value: Any) -> Any:
    return value if isinstance(value, _DATA_TYPES) else None


_INDEX: Final = re.compile(r"0|[1-9][0-9]{0,15}", re.ASCII)  # longer is never an index


def _key(key: Any) -> str:
    return key if isinstance(key, str) else js_str(key) if key is not None else "undefined"


def get(obj: Any, key: Any) -> Any:
    """`obj[key]` on template data: a dict key, a list or string index, `length`; else None."""
    if isinstance(obj, dict):
        return as_data(dict.get(obj, _key(key)))
    if isinstance(obj, list):
        if _is_number(key):
            if isinstance(key, float) and not (key.is_integer() and abs(key) < 2**53):
                return None
            i = int(key)
            return as_data(list.__getitem__(obj, i)) if 0 <= i < len(obj) else None
        name = _key(key)
        if name == "length":
            return len(obj)
        if _INDEX.fullmatch(name):
            i = int(name)
            return as_data(list.__getitem__(obj, i)) if i < len(obj) else None
        return None
    if isinstance(obj, str):  # a string's length and characters, as in JavaScript
        name = _key(key)
        if name == "length":
            return len(obj)
        if _INDEX.fullmatch(name) and int(name) < len(obj):
            return obj[int(name)]
    return None


def js_keys(obj: dict[Any, Any]) -> list[Any]:
    """Object.keys order: array-index keys ascending, then the others in insertion order."""
    def is_index(k: Any) -> bool:
        return isinstance(k, str) and len(k) <= 10 and bool(_INDEX.fullmatch(k)) \
            and int(k) < 2**32 - 1
    indexes = sorted((k for k in obj if is_index(k)), key=int)
    return indexes + [k for k in obj if not is_index(k)] if indexes else list(obj)
