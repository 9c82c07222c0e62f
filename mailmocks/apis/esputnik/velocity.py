"""Apache Velocity, as eSputnik renders prepared messages, on top of airspeed.

Templates see `$data` (the recipient's `jsonParam`) as Java would: strings have `equals`,
`equalsIgnoreCase`, `length`, `isEmpty`...; lists `get(i)`, `size()`, `isEmpty()`; maps
`get(key)`, `containsKey`, `keySet`, `size()`. Booleans print `true`/`false` and `null` is a
missing reference, so `$!x` prints nothing and `$x` prints itself, like Velocity.
Profile merge tags (`%FIRSTNAME%`) are not Velocity and are replaced separately.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import airspeed


class VString(str):
    def equals(self, other: Any) -> bool:
        return isinstance(other, str) and str(self) == str(other)

    def equalsIgnoreCase(self, other: Any) -> bool:  # noqa: N802 - Java's name
        return isinstance(other, str) and self.lower() == other.lower()

    def length(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self

    def contains(self, part: Any) -> bool:
        return str(part) in self

    def startsWith(self, prefix: Any) -> bool:  # noqa: N802
        return self.startswith(str(prefix))

    def endsWith(self, suffix: Any) -> bool:  # noqa: N802
        return self.endswith(str(suffix))

    def toUpperCase(self) -> VString:  # noqa: N802
        return VString(self.upper())

    def toLowerCase(self) -> VString:  # noqa: N802
        return VString(self.lower())

    def trim(self) -> VString:
        return VString(self.strip())

    def substring(self, start: int, end: int | None = None) -> VString:
        return VString(self[start:end])

    def replace(self, old: Any, new: Any, count: Any = -1) -> VString:
        return VString(str.replace(self, str(old), str(new)))

    def indexOf(self, part: Any) -> int:  # noqa: N802
        return self.find(str(part))


class VList(list[Any]):
    def get(self, index: Any) -> Any:
        try:
            return self[int(index)]
        except (IndexError, ValueError, TypeError):
            return None  # Velocity logs the exception and renders the reference as missing

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self

    def contains(self, item: Any) -> bool:
        return item in self


class VMap(dict[str, Any]):
    def containsKey(self, key: Any) -> bool:  # noqa: N802
        return key in self

    def keySet(self) -> VList:  # noqa: N802
        return VList(self.keys())

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self


class VBool:
    """A Java Boolean: prints `true`/`false`, is truthy as itself, has `equals`."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return self.value

    def __str__(self) -> str:
        return "true" if self.value else "false"

    def __eq__(self, other: object) -> bool:
        return bool(other) == self.value if isinstance(other, VBool | bool) else False

    def __hash__(self) -> int:
        return hash(self.value)

    def equals(self, other: Any) -> bool:
        return bool(self == other)


def java(value: Any) -> Any:
    """A JSON value as the Java objects Velocity sees."""
    if isinstance(value, bool):
        return VBool(value)
    if isinstance(value, str):
        return VString(value)
    if isinstance(value, dict):
        return VMap({k: java(v) for k, v in value.items()})
    if isinstance(value, list):
        return VList(java(v) for v in value)
    return value


class VelocityError(ValueError):
    """A template that does not parse or does not render."""


@functools.lru_cache(maxsize=512)
def compile_template(source: str) -> airspeed.Template:
    template = airspeed.Template(source)
    try:
        template.ensure_compiled()
    except airspeed.TemplateSyntaxError as exc:
        raise VelocityError(f"Velocity syntax error: {exc}") from None
    return template


def check(source: str) -> None:
    """Raise VelocityError when `source` is not a valid Velocity template."""
    compile_template(source)


def render(source: str, data: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    template = compile_template(source)
    namespace = {"data": java(data), **{k: java(v) for k, v in (extra or {}).items()}}
    try:
        return str(template.merge(namespace))
    except (airspeed.TemplateExecutionError, airspeed.TemplateSyntaxError) as exc:
        raise VelocityError(f"Velocity rendering failed: {exc}") from None


MERGE_TAG = re.compile(r"%([A-Z_]+(?:\.[A-Z_]+)?)%")


def merge_tags(text: str, values: dict[str, str]) -> str:
    """Replace profile placeholders such as `%FIRSTNAME%`; unknown ones become empty."""
    return MERGE_TAG.sub(lambda m: values.get(m.group(1), ""), text)
