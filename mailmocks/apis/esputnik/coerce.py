"""Jackson's scalar coercions, applied to a request body the way eSputnik's server reads it
(docs/vendors/esputnik.md §13).

The contract marks each request scalar with the Java type it binds to (`x-jackson`: `string`,
`decimal`, `int`, `bool`) and lists every JSON form that Jackson's defaults turn into that
type, so a client sending `"externalCustomerId": 42` or `"totalCost": "19.90"` (as Yespo's
own WooCommerce plugin does) is accepted. This module turns those forms into the one the fake
stores and answers: text for strings, numbers for decimals and integers, booleans, and `None`
for the empty string Jackson reads as null. A value Jackson would refuse is left as it came,
so the contract's validator answers it with a 400.

The walk over a body is compiled once per operation from its dereferenced schema.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import orjson

Convert = Callable[[Any], Any]

# Jackson's NumberInput: an optional sign, digits with a dot, an exponent. The exponent is
# bounded so that every accepted text is a finite double (the fake's range for BigDecimal).
DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})"
                     r"(?:[eE][+-]?[0-9]{1,2})?")
INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def to_text(value: Any) -> Any:
    """String fields take any scalar token as its text (StdDeserializer._parseString)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return orjson.dumps(value).decode()
    return value


def to_decimal(value: Any) -> Any:
    """BigDecimal fields: numbers as they are, numeric text parsed, blank text is null."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if not DECIMAL.fullmatch(text):
        return value
    if INTEGER.fullmatch(text):
        return int(text)
    number = float(text)
    return number if math.isfinite(number) else value


def to_int(value: Any) -> Any:
    """Integer and Long fields: integral text parsed, a fraction truncated
    (ACCEPT_FLOAT_AS_INT is on by default), blank text is null."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and abs(value) < 2.0**63 else value
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    return int(text) if INTEGER.fullmatch(text) else value


def to_bool(value: Any) -> Any:
    """Boolean fields: `"true"`/`"false"` in any case, an integer (0 is false), blank is
    null."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if not text:
        return None
    return {"true": True, "false": False}.get(text, value)


SCALARS: dict[str, Convert] = {"string": to_text, "decimal": to_decimal, "int": to_int,
                               "bool": to_bool}


def compile_schema(schema: Any, depth: int = 0) -> Convert | None:
    """The conversion a value of `schema` needs, or None when nothing in it is marked."""
    if not isinstance(schema, dict) or depth > 32:
        return None
    kind = schema.get("x-jackson")
    if isinstance(kind, str) and kind in SCALARS:
        return SCALARS[kind]
    props: dict[str, Convert] = {}
    extra: Convert | None = None
    items: Convert | None = None
    for part in [schema, *schema.get("allOf", ()), *schema.get("anyOf", ()),
                 *schema.get("oneOf", ())]:
        if not isinstance(part, dict):
            continue
        for name, sub in (part.get("properties") or {}).items():
            conv = compile_schema(sub, depth + 1)
            if conv is not None:
                props.setdefault(name, conv)
        extra = extra or compile_schema(part.get("additionalProperties"), depth + 1)
        items = items or compile_schema(part.get("items"), depth + 1)
    if not props and extra is None and items is None:
        return None
    return _container(props, extra, items)


def _container(props: dict[str, Convert], extra: Convert | None,
               items: Convert | None) -> Convert:
    def convert(value: Any) -> Any:
        if isinstance(value, dict) and (props or extra):
            out = {}
            for key, v in value.items():
                conv = props.get(key, extra)
                out[key] = conv(v) if conv is not None and v is not None else v
            return out
        if isinstance(value, list) and items is not None:
            return [items(v) if v is not None else v for v in value]
        return value
    return convert


def body_converter(op_id: str, spec: dict[str, Any]) -> Convert | None:
    """The compiled conversion of an operation's JSON body, built once per operation."""
    key = (op_id, id(spec))
    if key not in _BY_OP:
        schema = (spec.get("requestBody") or {}).get("content", {}).get(
            "application/json", {}).get("schema")
        _BY_OP[key] = compile_schema(schema)
    return _BY_OP[key]


_BY_OP: dict[tuple[str, int], Convert | None] = {}


# Jackson (2.15+) refuses JSON nested deeper than 1000 levels; the fake stops at 200 so that
# whatever it stores it can also answer (its JSON writer stops at 254), a decision (§13)
MAX_NESTING = 200


def depth(value: Any, limit: int) -> int:
    """How deeply `value` nests lists and objects, counted up to `limit + 1` (no recursion,
    so any body the parser took can be measured)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children
                         if isinstance(child, dict | list))
    return deepest
