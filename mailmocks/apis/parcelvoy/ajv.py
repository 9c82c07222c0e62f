"""The first validation error, in the order and the words of Parcelvoy's AJV 8 setup.

Parcelvoy validates with AJV (`allErrors: true`, ajv-formats, ajv-errors) and reports only
`errors[0]`. The engine's validator (jsonschema-rs) decides *whether* a value is valid; this
walker, run only on the error path, decides *which* error AJV would have listed first:
at each schema node the type check, then the keywords of the data's type in AJV's rule order
(object: required, additionalProperties, properties; array: minItems, maxItems, items), then
the untyped ones (enum, const, anyOf, oneOf). Type errors read ``The value of `<path>` must be a
<type>.``; every other message is AJV's, capitalised.
"""
from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from collections.abc import Iterator
from typing import Any

TIMEZONE_MESSAGE = "The timezone value must be in the IANA format."
# ajv-formats 2.1.1 `date-time` (src/formats.ts): one separator (`t`, `T` or any JavaScript
# white space), a real calendar date, 23:59:60 as the only leap second, and an optional zone:
# its check `timeZone !== ""` never fails on a missing one, so a local time passes too.
_SEPARATOR = re.compile("[tT\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f"
                        "\u205f\u3000\ufeff]")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
                   r"([zZ]|[+-][0-9]{2}(?::?[0-9]{2})?)?")
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

Error = tuple[str, str, str]  # (JSON pointer, keyword, message)


def first_error(schema: dict[str, Any], data: Any) -> str | None:
    """Parcelvoy's 422 message for `data`, or None when AJV would accept it."""
    for pointer, keyword, message in _errors(schema, data, ""):
        if keyword == "type":
            return f"The value of `{pointer.replace('/', '', 1)}` must be a {message}."
        return message[:1].upper() + message[1:]
    return None


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(z.lower() for z in zoneinfo.available_timezones())


def is_iana(name: str) -> bool:
    """What `Intl.DateTimeFormat(undefined, {timeZone})` accepts: a known zone, any case."""
    return name.lower() in _zones()


def parse_date_time(text: str) -> float | None:
    """The instant an AJV-valid `date-time` names (no zone: UTC, the server's zone), or None
    when AJV refuses the text."""
    parts = _SEPARATOR.split(text)
    if len(parts) != 2:
        return None
    d, t = _DATE.fullmatch(parts[0]), _TIME.fullmatch(parts[1])
    if d is None or t is None:
        return None
    year, month, day = (int(g) for g in d.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= month <= 12 or not 1 <= day <= (29 if month == 2 and leap else _DAYS[month]):
        return None
    hour, minute, second = int(t[1]), int(t[2]), int(t[3])
    if not ((hour <= 23 and minute <= 59 and second <= 59) or (hour, minute, second) == (
            23, 59, 60)):
        return None
    zone = (t[5] or "z").lower()
    offset = 0 if zone == "z" else (1 if zone[0] == "+" else -1) * (
        int(zone[1:3]) * 3600 + int(zone[-2:] if len(zone) > 3 else 0) * 60)
    days = (datetime.date(year, month, day) - datetime.date(1970, 1, 1)).days
    return (days * 86400 + hour * 3600 + minute * 60 + second
            + float(t[4] or 0) - offset)


def _is(data: Any, kind: str) -> bool:
    if kind == "null":
        return data is None
    if kind == "boolean":
        return isinstance(data, bool)
    if kind == "object":
        return isinstance(data, dict)
    if kind == "array":
        return isinstance(data, list)
    if kind == "string":
        return isinstance(data, str)
    if isinstance(data, bool) or not isinstance(data, int | float):
        return False
    return kind == "number" or float(data).is_integer()


def _js_type(data: Any) -> str:
    for kind in ("null", "boolean", "object", "array", "string"):
        if _is(data, kind):
            return kind
    return "number"


def _pointer(base: str, key: Any) -> str:
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _errors(schema: dict[str, Any], data: Any, at: str) -> Iterator[Error]:
    declared = schema.get("type")
    kinds = declared if isinstance(declared, list) else [declared] if declared else []
    if kinds and not any(_is(data, k) for k in kinds):
        yield at, "type", ",".join(k for k in kinds if k != "null")  # nullable: the base type
    else:
        kind = _js_type(data)
        if kind == "object":
            yield from _object(schema, data, at)
        elif kind == "array":
            yield from _array(schema, data, at)
        elif kind == "string":
            yield from _string(schema, data, at)
        elif kind == "number":
            yield from _number(schema, data, at)
    if "enum" in schema and data not in schema["enum"]:
        yield at, "enum", "must be equal to one of the allowed values"
    if "const" in schema and data != schema["const"]:
        yield at, "const", "must be equal to constant"
    if "anyOf" in schema:
        collected: list[Error] = []
        for branch in schema["anyOf"]:
            errs = list(_errors(branch, data, at))
            if not errs:
                break
            collected.extend(errs)
        else:
            yield from collected
            yield at, "anyOf", "must match a schema in anyOf"
    if "oneOf" in schema:  # every branch runs; the failing branches' errors come first
        failed: list[Error] = []
        passing = 0
        for branch in schema["oneOf"]:
            errs = list(_errors(branch, data, at))
            failed.extend(errs)
            passing += not errs
        if passing != 1:
            yield from ([] if passing else failed)
            yield at, "oneOf", "must match exactly one schema in oneOf"


def _object(schema: dict[str, Any], data: dict[str, Any], at: str) -> Iterator[Error]:
    for name in schema.get("required", ()):
        if name not in data:
            yield at, "required", f"must have required property '{name}'"
    props: dict[str, Any] = schema.get("properties", {})
    if schema.get("additionalProperties") is False:
        for key in data:
            if key not in props:
                yield at, "additionalProperties", "must NOT have additional properties"
    for name, sub in props.items():
        if name in data:
            yield from _errors(sub, data[name], _pointer(at, name))


def _array(schema: dict[str, Any], data: list[Any], at: str) -> Iterator[Error]:
    if "minItems" in schema and len(data) < schema["minItems"]:
        yield at, "minItems", f"must NOT have fewer than {schema['minItems']} items"
    if "maxItems" in schema and len(data) > schema["maxItems"]:
        yield at, "maxItems", f"must NOT have more than {schema['maxItems']} items"
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(data):
            yield from _errors(items, item, _pointer(at, i))


def _string(schema: dict[str, Any], data: str, at: str) -> Iterator[Error]:
    if "minLength" in schema and len(data) < schema["minLength"]:
        yield at, "minLength", f"must NOT have fewer than {schema['minLength']} characters"
    fmt = schema.get("x-ajv-format", schema.get("format"))
    if fmt == "timezone" and not is_iana(data):
        yield at, "errorMessage", TIMEZONE_MESSAGE  # ajv-errors' custom message
    elif fmt == "date-time" and parse_date_time(data) is None:
        yield at, "format", 'must match format "date-time"'


def _number(schema: dict[str, Any], data: float, at: str) -> Iterator[Error]:
    if "minimum" in schema and data < schema["minimum"]:
        yield at, "minimum", f"must be >= {schema['minimum']}"
    if "maximum" in schema and data > schema["maximum"]:
        yield at, "maximum", f"must be <= {schema['maximum']}"
