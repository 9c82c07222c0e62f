"""Apache Velocity, as eSputnik renders prepared messages: a small sandboxed interpreter.

Templates see `$data` (the recipient's `jsonParam`) as Java would: strings have `equals`,
`equalsIgnoreCase`, `length`, `isEmpty`...; lists `get(i)`, `size()`, `isEmpty()`; maps
`get(key)` (and `$map.key`), `containsKey`, `keySet`, `size()`. Booleans print `true`/`false`
and `null` is a missing reference, so `$!x` prints nothing and `$x` prints itself, like
Velocity. Profile merge tags (`%FIRSTNAME%`) are not Velocity and are replaced separately.

Why an interpreter of our own: the template is user input. It is parsed into a tree once
(`compile_template`, cached per source) and walked by `_Eval`, which never looks anything up
on a Python object: values are plain JSON values (str, int, float, bool, None, list, dict)
plus the ranges and loop scopes the template makes, and a member is found only in the
`_METHODS` / `_property` tables below, keyed by the Java type the value stands for. No name
beginning with `_` resolves (variables, properties, methods), nothing is ever called that is
not in those tables, and no value is ever changed in place: `$data` is read-only, `#set` binds
names in the render's own context. So template text and data stay data.

Supported: `$ref`, `$!ref`, `${ref}`, `$!{ref}`, `${ref|'alternate'}`, `$a.b.c`, `$a.m(args)`,
`$a[i]`; `#set`, `#if/#elseif/#else/#end`, `#foreach` (`$foreach.index/count/hasNext/first/
last`, `$velocityCount`, `$velocityHasNext`), `#break`, `#stop`, `#macro` and `#name(args)`
calls, `##` and `#* *#` comments, `#[[ unparsed ]]#`, `\\$` / `\\#` escapes, `[1..n]` ranges,
`[a, b]` lists, `{"k": v}` maps, `"interpolated $strings"`, `'plain strings'`, arithmetic
`+ - * / %`, comparisons `== != < > <= >=` (and `eq ne lt gt le ge`), `&& || !` (and `and or
not`). Directives and macro names are case-sensitive, as in Velocity, and may be braced
(`#{else}`); whitespace after `#if(...)`, `#end`, `#set(...)` and comments is eaten up to the
end of the line as airspeed (the engine this replaced) did.

Where airspeed differed from Velocity, this follows Velocity: values print as Java prints them
(`true`, `[a, b]`, `{k=v}`, `1.0E20`, not Python's `True`, `['a', 'b']`); `#foreach` over a map
iterates its values, over a string or number not at all; `#set` inside a loop or macro stays
set after it; `==` compares numbers by value and different types by their text (`1 == '1'`);
`&&`/`||` short-circuit; integer `/` and `%` truncate toward zero; a macro is called only
after its `#macro` (before it, `#name(...)` is text, as is any `#word` that is no directive).

Not available, by decision: `#include` and `#parse` (eSputnik gives templates no resource
loader: a real send of such a template fails, as ours does), `#evaluate` and `#define` (they
turn text into template code at render time). They parse, so a message holding one can be
saved as before, and rendering it raises `VelocityError`, which fails the send. There are no
mutating methods (`add`, `put`, ...), no regular-expression methods (`matches`, `replaceAll`,
`split`: a pattern from a template could backtrack without end), no `#set($a.b = ...)`.

Bounded: every evaluated node, `#foreach` iteration, method call and `#set` takes a
`Budget.step()`, output goes through `Budget.emit()`, and no string built while rendering may
be longer than the output limit (checked before it is built). Nesting (blocks, macro calls,
interpolated strings) is limited by `budget.limits.depth`; the parser refuses source nested
deeper than `MAX_NESTING` or with more than `MAX_NODES` elements, without recursing further.
Ranges are lazy: `[1..2000000]` allocates nothing. Over budget raises `RenderLimitError`.
"""
from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from ...core.render import DEFAULT_LIMITS, Budget, RenderLimitError

__all__ = ["MAX_NESTING", "MAX_NODES", "Template", "VelocityError", "check", "compile_template",
           "merge_tags", "render"]

MAX_NESTING = DEFAULT_LIMITS.depth  # blocks, parentheses, literals and strings in the source
MAX_NODES = DEFAULT_LIMITS.steps  # a template larger than this could never render in budget
LONG_MAX = (1 << 63) - 1  # Java long
INT_MAX = (1 << 31) - 1  # Java int: range bounds


class VelocityError(ValueError):
    """A template that does not parse or does not render."""


class _Stop(Exception):
    """#stop: rendering ends here, the output so far is the result."""


class _Break(Exception):
    """#break: leave the innermost #foreach or macro (or the template)."""


# -- values ----------------------------------------------------------------------------------
class _Loop:
    """`$foreach` inside a loop."""

    __slots__ = ("index", "count", "has_next", "first", "last")

    def __init__(self, index: int, length: int) -> None:
        self.index, self.count = index, index + 1
        self.has_next = index + 1 < length
        self.first, self.last = index == 0, index + 1 == length


_SEQUENCES = (list, tuple, range)


def _kind(v: Any) -> str | None:
    """The Java type a value stands for; None for null and for anything that is not ours."""
    if isinstance(v, str):
        return "String"
    if isinstance(v, bool):
        return "Boolean"
    if isinstance(v, int | float):
        return "Number"
    if isinstance(v, _SEQUENCES):
        return "List"
    if isinstance(v, dict):
        return "Map"
    if isinstance(v, _Loop):
        return "Foreach"
    return None


def _describe(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, int) and not isinstance(v, bool):
        return "Integer"
    if isinstance(v, float):
        return "Double"
    return _kind(v) or "Object"


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _truthy(v: Any) -> bool:
    """Velocity 2's #if: null, false, empty strings and collections and zero are false."""
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, str | int | float | list | tuple | range | dict):
        return bool(v)
    return True


def _java_double(x: float) -> str:
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
Method = Callable[["_Eval", Any, list[Any]], Any]


def _string_arg(ev: _Eval, v: Any) -> str:
    if v is None:
        raise VelocityError("null passed where a string is expected")
    return ev.text(v)


def _position(v: Any, what: str) -> int:
    i = _index(v)
    if i is None:
        raise VelocityError(f"{what} must be a whole number, got {_describe(v)}")
    return i


def _substring(ev: _Eval, s: str, a: list[Any]) -> str:
    start = _position(a[0], "substring start")
    end = len(s) if len(a) == 1 else _position(a[1], "substring end")
    if not 0 <= start <= end <= len(s):
        raise VelocityError(f"substring({start}, {end}) out of range for length {len(s)}")
    return s[start:end]


def _replace(ev: _Eval, s: str, a: list[Any]) -> str:
    old, new = _string_arg(ev, a[0]), _string_arg(ev, a[1])
    hits = s.count(old) if old else len(s) + 1
    ev.fits(len(s) + hits * (len(new) - len(old)))
    return s.replace(old, new)


def _index_of(ev: _Eval, s: str, a: list[Any]) -> int:
    start = 0 if len(a) == 1 else max(0, _position(a[1], "indexOf start"))
    return s.find(_string_arg(ev, a[0]), start)


def _char_at(ev: _Eval, s: str, a: list[Any]) -> str:
    i = _position(a[0], "charAt index")
    if not 0 <= i < len(s):
        raise VelocityError(f"charAt({i}) out of range for length {len(s)}")
    return s[i]


def _concat(ev: _Eval, s: str, a: list[Any]) -> str:
    other = _string_arg(ev, a[0])
    ev.fits(len(s) + len(other))
    return s + other


def _case(ev: _Eval, s: str, upper: bool) -> str:
    out = s.upper() if upper else s.lower()
    ev.fits(len(out))
    return out


_JAVA_SPACE = "".join(map(chr, range(33)))  # String.trim drops every char <= ' '


def _list_get(ev: _Eval, items: Sequence[Any], a: list[Any]) -> Any:
    i = _index(a[0])
    # Out of range: Velocity logs the exception and renders the reference as missing.
    return items[i] if i is not None and 0 <= i < len(items) else None


def _list_contains(ev: _Eval, items: Sequence[Any], a: list[Any]) -> bool:
    if isinstance(items, range):
        return isinstance(a[0], int) and not isinstance(a[0], bool) and a[0] in items
    return any(ev.equals(item, a[0]) for item in items)


def _map_get(ev: _Eval, m: dict[Any, Any], a: list[Any]) -> Any:
    try:
        return m.get(a[0])
    except TypeError:  # an unhashable key (a list): no such entry
        return None


def _map_has(ev: _Eval, m: dict[Any, Any], a: list[Any]) -> bool:
    try:
        return a[0] in m
    except TypeError:
        return False


def _equals(ev: _Eval, v: Any, a: list[Any]) -> bool:
    return ev.equals(v, a[0])


def _to_string(ev: _Eval, v: Any, a: list[Any]) -> str:
    return ev.text(v)


_COMMON: dict[str, tuple[int, int, Method]] = {
    "equals": (1, 1, _equals),
    "toString": (0, 0, _to_string),
}

# name -> (fewest arguments, most arguments, implementation), per Java type.
_METHODS: dict[str, dict[str, tuple[int, int, Method]]] = {
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
        "get": (1, 1, _list_get),
        "size": (0, 0, lambda ev, items, a: len(items)),
        "isEmpty": (0, 0, lambda ev, items, a: not items),
        "contains": (1, 1, _list_contains),
    },
    "Map": {
        **_COMMON,
        "get": (1, 1, _map_get),
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


def _property(v: Any, name: str) -> Any:
    """`$v.name` without parentheses: a map entry, or one of the getters Velocity maps."""
    if isinstance(v, dict):
        return v.get(name)
    if isinstance(v, _Loop):
        return {"index": v.index, "count": v.count, "hasNext": v.has_next, "first": v.first,
                "last": v.last}.get(name)
    if name == "empty" and isinstance(v, str | list | tuple | range):  # isEmpty()
        return not v
    return None


# -- the tree --------------------------------------------------------------------------------
class _Node:
    __slots__ = ()

    def run(self, ev: _Eval, out: _Out) -> None:
        raise NotImplementedError


class _Expr:
    __slots__ = ()

    def value(self, ev: _Eval) -> Any:
        raise NotImplementedError


Block = tuple[_Node, ...]


class _Text(_Node):
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        out.write(self.text)


class _Literal(_Expr):
    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        return self.v


class _Interpolated(_Expr):
    __slots__ = ("body",)

    def __init__(self, body: Block) -> None:
        self.body = body

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        out = _Out(ev, root=False)
        ev.block(self.body, out)
        return "".join(out.parts)


class _ListLiteral(_Expr):
    __slots__ = ("items",)

    def __init__(self, items: tuple[_Expr, ...]) -> None:
        self.items = items

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        return [item.value(ev) for item in self.items]


class _MapLiteral(_Expr):
    __slots__ = ("pairs",)

    def __init__(self, pairs: tuple[tuple[_Expr, _Expr], ...]) -> None:
        self.pairs = pairs

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        out: dict[Any, Any] = {}
        for k, v in self.pairs:
            key = k.value(ev)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise VelocityError(f"a map key must be a string or a number, got "
                                    f"{_describe(key)}")
            out[key] = v.value(ev)
        return out


class _Range(_Expr):
    __slots__ = ("lo", "hi")

    def __init__(self, lo: _Expr, hi: _Expr) -> None:
        self.lo, self.hi = lo, hi

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        lo, hi = self.lo.value(ev), self.hi.value(ev)
        ends = []
        for end in (lo, hi):
            if isinstance(end, bool) or not isinstance(end, int) or abs(end) > INT_MAX:
                raise VelocityError(f"a range [m..n] needs whole numbers within Java int, "
                                    f"got {_describe(end)}")
            ends.append(end)
        lo, hi = ends
        return range(lo, hi + 1) if lo <= hi else range(lo, hi - 1, -1)


class _Part:
    __slots__ = ("kind", "name", "args")

    def __init__(self, kind: str, name: str, args: tuple[_Expr, ...] = ()) -> None:
        self.kind, self.name, self.args = kind, name, args  # kind: "prop" | "call" | "index"


class _Reference(_Expr):
    __slots__ = ("name", "parts", "alternate")

    def __init__(self, name: str, parts: tuple[_Part, ...], alternate: _Expr | None) -> None:
        self.name, self.parts, self.alternate = name, parts, alternate

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        v = None if self.name.startswith("_") else ev.ctx.get(self.name)
        for part in self.parts:
            if v is None:
                break
            ev.budget.step()
            if part.kind == "prop":
                v = None if part.name.startswith("_") else _property(v, part.name)
            elif part.kind == "call":
                v = ev.call(v, part.name, [a.value(ev) for a in part.args])
            else:
                v = ev.item(v, part.args[0].value(ev))
        if v is None and self.alternate is not None:
            v = self.alternate.value(ev)
        return v


class _Not(_Expr):
    __slots__ = ("operand",)

    def __init__(self, operand: _Expr) -> None:
        self.operand = operand

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        return not _truthy(self.operand.value(ev))


class _Negate(_Expr):
    __slots__ = ("operand",)

    def __init__(self, operand: _Expr) -> None:
        self.operand = operand

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        v = self.operand.value(ev)
        if not _is_number(v):
            raise VelocityError(f"cannot negate {_describe(v)}")
        return -v


_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_WORD_OPS = {"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
             "ge": ">="}


class _Chain(_Expr):
    """`a op b op c ...` at one precedence level, evaluated left to right in a loop (so a
    long chain is not a deep tree); `&&` and `||` stop as soon as the answer is known."""

    __slots__ = ("level", "first", "rest")

    def __init__(self, level: int, first: _Expr, rest: list[tuple[str, _Expr]]) -> None:
        self.level, self.first, self.rest = level, first, rest

    def value(self, ev: _Eval) -> Any:
        ev.budget.step()
        if self.level <= 2:  # || and &&
            want = self.level == 1
            if _truthy(self.first.value(ev)) == want:
                return want
            for _, operand in self.rest:
                if _truthy(operand.value(ev)) == want:
                    return want
            return not want
        acc = self.first.value(ev)
        for op, operand in self.rest:
            acc = ev.binary(op, acc, operand.value(ev))
        return acc


class _Ref(_Node):
    __slots__ = ("ref", "silent", "source")

    def __init__(self, ref: _Reference, silent: bool, source: str) -> None:
        self.ref, self.silent, self.source = ref, silent, source

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        v = self.ref.value(ev)
        if v is None:
            out.write("" if self.silent else self.source)
        else:
            out.write(ev.text(v))


class _If(_Node):
    __slots__ = ("branches", "otherwise")

    def __init__(self, branches: tuple[tuple[_Expr, Block], ...], otherwise: Block) -> None:
        self.branches, self.otherwise = branches, otherwise

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        for condition, body in self.branches:
            if _truthy(condition.value(ev)):
                ev.block(body, out)
                return
        if self.otherwise:
            ev.block(self.otherwise, out)


class _Foreach(_Node):
    __slots__ = ("var", "items", "body")

    def __init__(self, var: str, items: _Expr, body: Block) -> None:
        self.var, self.items, self.body = var, items, body

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        items = self.items.value(ev)
        if isinstance(items, dict):
            items = list(items.values())  # Velocity iterates a map's values
        elif not isinstance(items, _SEQUENCES):
            return  # null, or nothing to iterate: Velocity skips the loop
        names = (self.var, "velocityCount", "velocityHasNext", "foreach")
        saved = ev.save(names)
        length = len(items)
        try:
            for i, item in enumerate(items):
                ev.budget.step()
                ev.ctx.update({self.var: item, "velocityCount": i + 1,
                               "velocityHasNext": i + 1 < length, "foreach": _Loop(i, length)})
                try:
                    ev.block(self.body, out)
                except _Break:
                    break
        finally:
            ev.restore(saved)


class _Set(_Node):
    __slots__ = ("target", "expr")

    def __init__(self, target: str, expr: _Expr) -> None:
        self.target, self.expr = target, expr

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        if "." in self.target:
            raise VelocityError(f"#set(${self.target} = ...): only a variable can be set")
        v = self.expr.value(ev)
        if not self.target.startswith("_"):
            ev.ctx[self.target] = v


class _Macro:
    __slots__ = ("name", "params", "body")

    def __init__(self, name: str, params: tuple[str, ...]) -> None:
        self.name, self.params = name, params
        self.body: Block = ()


class _MacroCall(_Node):
    __slots__ = ("macro", "args")

    def __init__(self, macro: _Macro, args: tuple[_Expr, ...]) -> None:
        self.macro, self.args = macro, args

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        m = self.macro
        if len(self.args) != len(m.params):
            raise VelocityError(f"#{m.name} takes {len(m.params)} argument(s), "
                                f"got {len(self.args)}")
        values = [a.value(ev) for a in self.args]
        saved = ev.save(m.params)
        try:
            ev.ctx.update(zip(m.params, values, strict=True))
            ev.block(m.body, out)
        except _Break:
            pass
        finally:
            ev.restore(saved)


class _Unavailable(_Node):
    __slots__ = ("directive",)

    def __init__(self, directive: str) -> None:
        self.directive = directive

    def run(self, ev: _Eval, out: _Out) -> None:
        what = ("cannot include or parse other templates" if self.directive in
                ("include", "parse") else "cannot turn text into template code")
        raise VelocityError(f"#{self.directive} is not available: eSputnik templates {what}")


class _Jump(_Node):
    __slots__ = ("stop",)

    def __init__(self, stop: bool) -> None:
        self.stop = stop

    def run(self, ev: _Eval, out: _Out) -> None:
        ev.budget.step()
        raise _Stop() if self.stop else _Break()


class Template:
    """A parsed template: the tree `render` walks. Immutable, shared between renders."""

    __slots__ = ("body", "source")

    def __init__(self, body: Block, source: str) -> None:
        self.body, self.source = body, source


# -- the parser ------------------------------------------------------------------------------
_TEXT = re.compile(r"[^$#\\]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REF_START = re.compile(r"\$(!?)(\{?)([A-Za-z_][A-Za-z0-9_]*)")
_DIRECTIVE = re.compile(r"#(?:\{([A-Za-z]+)\}|([A-Za-z][A-Za-z0-9_]*))")
_EOL = re.compile(r"[ \t\r]*\n")
_SET_EOL = re.compile(r"[ \t]*\r?\n")
_WS = re.compile(r"\s*")
_BINARY = re.compile(r"\s*(\|\||&&|==|!=|>=|<=|>|<|\+|-|\*|/|%|(?:or|and|eq|ne|gt|lt|ge|le)\b)")
_UNARY = re.compile(r"\s*(!(?!=)|not\b|-)")
_NUMBER = re.compile(r"\d*\.\d+|\d+")
_WORD = re.compile(r"(true|false|null)\b", re.I)
_SINGLE = re.compile(r"'((?:\\.|[^'\\])*)'", re.S)
_DOUBLE = re.compile(r'"((?:\\.|[^"\\])*)"', re.S)
_SINGLE_ESCAPES = re.compile(r"\\([nrbt'\\])")
_DOUBLE_ESCAPES = re.compile(r'\\([nrbt"\\])')
_ESCAPED = {"n": "\n", "r": "\r", "b": "\b", "t": "\t", '"': '"', "'": "'", "\\": "\\"}
_MACRO_ARG = re.compile(r"[,\s]+\$([A-Za-z][A-Za-z0-9_]*)")
_SET_TARGET = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_LOOP_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s+in\b")
_VAR = re.compile(r"\$[A-Za-z][A-Za-z0-9_]*")
_RESERVED = {"if", "else", "elseif", "end", "set", "foreach", "macro", "include", "parse",
             "evaluate", "define", "stop", "break"}


class _Counter:
    """Shared by a template's parser and the parsers of its string literals."""

    __slots__ = ("nodes", "macros")

    def __init__(self) -> None:
        self.nodes = 0
        self.macros: dict[str, _Macro] = {}


class _Parser:
    def __init__(self, src: str, depth: int, shared: _Counter, where: str = "") -> None:
        self.src, self.pos, self.depth, self.shared, self.where = src, 0, depth, shared, where

    # helpers
    def fail(self, expected: str) -> NoReturn:
        line = self.src.count("\n", 0, self.pos) + 1
        column = self.pos - (self.src.rfind("\n", 0, self.pos) + 1) + 1
        got = self.src[self.pos:self.pos + 40].split("\n", 1)[0] or "end of template"
        raise VelocityError(f"Velocity syntax error{self.where}: line {line}, column {column}: "
                            f"expected {expected}, got: {got!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(f"at most {MAX_NESTING} levels of nesting")

    def leave(self) -> None:
        self.depth -= 1

    def count(self) -> None:
        self.shared.nodes += 1
        if self.shared.nodes > MAX_NODES:
            self.fail(f"at most {MAX_NODES:,} template elements")

    def ws(self, pos: int) -> int:
        """Where the whitespace from `pos` ends."""
        m = _WS.match(self.src, pos)
        return m.end() if m else pos

    def match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        m = pattern.match(self.src, self.pos)
        if m:
            self.pos = m.end()
        return m

    def eat(self, literal: str) -> bool:
        self.match(_WS)
        if self.src.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def need(self, literal: str, expected: str | None = None) -> None:
        if not self.eat(literal):
            self.fail(expected or repr(literal))

    # blocks
    def template(self) -> Block:
        body, end = self.block()
        if end != "eof":
            self.fail("text, a reference or a directive (this #" + end + " closes nothing)")
        return body

    def block(self) -> tuple[Block, str]:
        """Nodes up to the end of the source or a #end / #else / #elseif, which it eats."""
        nodes: list[_Node] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                nodes.append(_Text("".join(text)))
                text.clear()
                self.count()

        def add(node: _Node) -> None:
            flush()
            nodes.append(node)
            self.count()

        src = self.src
        while True:
            if m := self.match(_TEXT):
                text.append(m.group())
            if self.pos >= len(src):
                flush()
                return tuple(nodes), "eof"
            c = src[self.pos]
            if c == "\\":
                nxt, after = src[self.pos + 1:self.pos + 2], src[self.pos + 2:self.pos + 3]
                if nxt in ("$", "#") and after and not after.isspace() and after not in "\\$#":
                    text.append(nxt)  # \$x and \#x: the $ or # is text
                else:
                    text.append(src[self.pos:self.pos + 2])
                self.pos += 2
            elif c == "$":
                ref = self.reference()
                if ref is None:
                    text.append("$")
                    self.pos += 1
                else:
                    add(ref)
            elif (end := self.hash(add, text)) is not None:
                flush()
                return tuple(nodes), end

    def hash(self, add: Callable[[_Node], None], text: list[str]) -> str | None:
        """A `#...` at self.pos: a comment, a directive, a block end (returned) or text."""
        src, start = self.src, self.pos
        if src.startswith("##", start):
            nl = src.find("\n", start)
            self.pos = len(src) if nl < 0 else nl + 1
            return None
        if src.startswith("#*", start):
            close = src.find("*#", start + 2)
            if close >= 0:
                self.pos = close + 2
                self.match(_EOL)
                return None
        if src.startswith("#[[", start):
            close = src.find("]]#", start + 3)
            if close >= 0:
                text.append(src[start + 3:close])
                self.pos = close + 3
                return None
        m = _DIRECTIVE.match(src, start)
        if not m:
            text.append("#")
            self.pos += 1
            return None
        braced, word = m.group(1) is not None, (m.group(1) or m.group(2))
        name = word
        if not braced:  # airspeed: #end and #else need no word boundary (#endif = #end + if)
            if name.startswith("else") and name != "elseif":
                name, word = "else", word[:4]
            elif name.startswith("end"):
                name, word = "end", word[:3]
        after = start + (len(word) + 3 if braced else len(word) + 1)
        if name == "end":
            self.pos = after
            self.match(_EOL)
            return "end"
        if name in ("else", "elseif"):
            self.pos = after
            if name == "elseif":
                self.match(_WS)
            return name
        directive = _DIRECTIVES.get(name)
        if directive is not None:
            self.pos = after
            node = directive(self)
            if node is None:  # `#if` / `#set` not followed by `(`: text, as airspeed had it
                self.pos = start + 1
                text.append("#")
            elif not isinstance(node, _Macro):
                add(node)
            return None
        macro = self.shared.macros.get(name)
        if macro is not None and self.src.startswith("(", self.ws(after)):
            self.pos = self.ws(after)
            add(self.macro_call(macro))
            return None
        text.append("#")  # a colour (#fff), an anchor, a word: text
        self.pos += 1
        return None

    # directives: each starts after its name; None means "not this directive after all"
    def _condition(self) -> _Expr:
        self.need("(", "( after #if / #elseif")
        self.enter()
        condition = self.expression()
        self.leave()
        self.need(")", ") closing the condition")
        self.match(_EOL)
        return condition

    def d_if(self) -> _Node | None:
        if not self.src.startswith("(", self.ws(self.pos)):
            return None
        branches = []
        condition = self._condition()
        self.enter()
        while True:
            body, end = self.block()
            branches.append((condition, body))
            if end != "elseif":
                break
            condition = self._condition()
        otherwise: Block = ()
        if end == "else":
            otherwise, end = self.block()
            if end != "end":
                self.fail("#end closing #else")
        if end != "end":
            self.fail("#else, #elseif or #end")
        self.leave()
        return _If(tuple(branches), otherwise)

    def d_set(self) -> _Node | None:
        if not self.src.startswith("(", self.ws(self.pos)):
            return None
        self.need("(")
        self.match(_WS)
        m = self.match(_SET_TARGET)
        if not m:
            self.fail("a $name to set")
        self.need("=", "= in #set")
        self.enter()
        value = self.expression()
        self.leave()
        self.need(")", ") closing #set")
        self.match(_SET_EOL)
        return _Set(m.group(1), value)

    def d_foreach(self) -> _Node:
        self.need("(", "( after #foreach")
        self.match(_WS)
        m = self.match(_LOOP_VAR)
        if not m:
            self.fail("$name in")
        self.match(_WS)
        self.enter()
        items = self.expression()
        self.need(")", ") closing #foreach")
        body, end = self.block()
        if end != "end":
            self.fail("#end closing #foreach")
        self.leave()
        return _Foreach(m.group(1), items, body)

    def d_macro(self) -> _Macro:
        self.need("(", "( after #macro")
        self.match(_WS)
        m = self.match(_NAME)
        if not m or m.group() in _RESERVED:
            self.fail("a macro name that is not a directive")
        params = []
        while arg := self.match(_MACRO_ARG):
            params.append(arg.group(1))
        self.need(")", ") or a $parameter")
        self.match(_EOL)
        macro = _Macro(m.group(), tuple(params))
        self.shared.macros[macro.name] = macro  # before the body: a macro may call itself
        self.enter()
        macro.body, end = self.block()
        if end != "end":
            self.fail("#end closing #macro")
        self.leave()
        return macro

    def d_define(self) -> _Node:
        self.need("(", "( after #define")
        self.match(_WS)
        if not self.match(_VAR):
            self.fail("a $name to define")
        self.need(")", ") closing #define")
        self.match(_EOL)
        self.enter()
        _, end = self.block()  # parsed, so the template's structure is checked; never run
        if end != "end":
            self.fail("#end closing #define")
        self.leave()
        return _Unavailable("define")

    def _unavailable(self, directive: str) -> _Node:
        self.need("(", f"( after #{directive}")
        self.enter()
        self.expression()
        self.leave()
        self.need(")", f") closing #{directive}")
        return _Unavailable(directive)

    def d_include(self) -> _Node:
        return self._unavailable("include")

    def d_parse(self) -> _Node:
        return self._unavailable("parse")

    def d_evaluate(self) -> _Node:
        return self._unavailable("evaluate")

    def d_stop(self) -> _Node:
        return _Jump(stop=True)

    def d_break(self) -> _Node:
        save = self.pos
        if self.eat("("):  # #break($foreach): the scope is always the innermost one
            self.match(_WS)
            if not self.match(_VAR) or not self.eat(")"):
                self.pos = save
        return _Jump(stop=False)

    def macro_call(self, macro: _Macro) -> _Node:
        self.need("(")
        args: list[_Expr] = []
        self.enter()
        while not self.eat(")"):
            if args:
                self.eat(",")
            self.match(_WS)
            if self.pos >= len(self.src):
                self.fail(f") closing #{macro.name}(")
            args.append(self.unary())
        self.leave()
        return _MacroCall(macro, tuple(args))

    # references
    def reference(self) -> _Ref | None:
        """`$...` at self.pos; None when the `$` does not start a reference (it is text)."""
        start = self.pos
        m = _REF_START.match(self.src, start)
        if not m:
            return None
        self.pos = m.end()
        silent, braced, name = bool(m.group(1)), bool(m.group(2)), m.group(3)
        parts = self.ref_tail()
        alternate = None
        if braced:
            if self.eat("|"):
                self.match(_WS)
                self.enter()
                alternate = self.unary()
                self.leave()
            self.need("}", "} closing ${")
        return _Ref(_Reference(name, parts, alternate), silent, self.src[start:self.pos])

    def ref_tail(self) -> tuple[_Part, ...]:
        src, parts = self.src, []
        while self.pos < len(src):
            c = src[self.pos]
            if c == "[":
                self.pos += 1
                self.enter()
                self.match(_WS)
                index = self.expression()
                self.leave()
                self.need("]", "] closing the index")
                parts.append(_Part("index", "", (index,)))
            elif c == "." and (m := _NAME.match(src, self.pos + 1)):
                self.pos = m.end()
                if src.startswith("(", self.pos):
                    parts.append(_Part("call", m.group(), self.arguments()))
                else:
                    parts.append(_Part("prop", m.group()))
            else:
                break
            self.count()
        return tuple(parts)

    def arguments(self) -> tuple[_Expr, ...]:
        self.pos += 1  # (
        self.enter()
        args: list[_Expr] = []
        if not self.eat(")"):
            while True:
                self.match(_WS)
                args.append(self.expression())
                if self.eat(")"):
                    break
                self.need(",", ", or ) in the argument list")
        self.leave()
        return tuple(args)

    # expressions
    def expression(self) -> _Expr:
        """Operators by precedence, with an explicit stack: no recursion per operator."""
        operands: list[_Expr] = [self.unary()]
        ops: list[str] = []

        def reduce() -> None:
            op, right = ops.pop(), operands.pop()
            left, level = operands.pop(), _PRECEDENCE[op]
            if isinstance(left, _Chain) and left.level == level:
                left.rest.append((op, right))
                operands.append(left)
            else:
                operands.append(_Chain(level, left, [(op, right)]))

        while m := _BINARY.match(self.src, self.pos):
            op = _WORD_OPS.get(m.group(1), m.group(1))
            while ops and _PRECEDENCE[ops[-1]] >= _PRECEDENCE[op]:
                reduce()
            self.pos = m.end()
            self.match(_WS)
            ops.append(op)
            operands.append(self.unary())
            self.count()
        while ops:
            reduce()
        return operands[0]

    def unary(self) -> _Expr:
        self.match(_WS)
        m = self.match(_UNARY)
        if m:
            self.enter()
            self.match(_WS)
            operand = self.unary()
            self.leave()
            self.count()
            return _Negate(operand) if m.group(1) == "-" else _Not(operand)
        self.count()
        return self.primary()

    def primary(self) -> _Expr:
        src, pos = self.src, self.pos
        c = src[pos:pos + 1]
        if c == "$":
            ref = self.reference()
            if ref is None:
                self.fail("a value")
            return ref.ref
        if m := self.match(_NUMBER):
            text = m.group()
            if "." in text:
                return _Literal(float(text))
            if len(text) > 19 or int(text) > LONG_MAX:
                self.pos = pos
                self.fail("a number that fits in 64 bits")
            return _Literal(int(text))
        if c == "'":
            if not (m := self.match(_SINGLE)):
                self.fail("' closing the string")
            return _Literal(_SINGLE_ESCAPES.sub(lambda e: _ESCAPED[e.group(1)], m.group(1)))
        if c == '"':
            if not (m := self.match(_DOUBLE)):
                self.fail('" closing the string')
            inner = _DOUBLE_ESCAPES.sub(lambda e: _ESCAPED[e.group(1)], m.group(1))
            if "$" not in inner and "#" not in inner and "\\" not in inner:
                return _Literal(inner)
            self.enter()
            body = _Parser(inner, self.depth, self.shared, " in a string literal").template()
            self.leave()
            return _Interpolated(body)
        if c and c in "[{(":
            self.pos += 1
            self.enter()
            self.match(_WS)
            result = self.bracketed(c)
            self.leave()
            return result
        if m := self.match(_WORD):
            return _Literal({"true": True, "false": False, "null": None}[m.group(1).lower()])
        self.fail("a value")

    def bracketed(self, opener: str) -> _Expr:
        if opener == "(":
            inner = self.expression()
            self.need(")", ") closing (")
            return _Group(inner)
        if opener == "[":
            if self.eat("]"):
                return _ListLiteral(())
            first = self.expression()
            if self.eat(".."):
                self.match(_WS)
                last = self.expression()
                self.need("]", "] closing the range")
                return _Range(first, last)
            items = [first]
            while self.eat(","):
                self.match(_WS)
                items.append(self.expression())
                self.count()
            self.need("]", ", or ] in the list")
            return _ListLiteral(tuple(items))
        pairs: list[tuple[_Expr, _Expr]] = []
        if not self.eat("}"):
            while True:
                self.match(_WS)
                key = self.expression()
                self.need(":", ": in the map")
                self.match(_WS)
                pairs.append((key, self.expression()))
                self.count()
                if self.eat("}"):
                    break
                self.need(",", ", or } in the map")
        return _MapLiteral(tuple(pairs))


_DIRECTIVES: dict[str, Callable[[_Parser], _Node | _Macro | None]] = {
    "if": _Parser.d_if, "set": _Parser.d_set, "foreach": _Parser.d_foreach,
    "macro": _Parser.d_macro, "define": _Parser.d_define, "include": _Parser.d_include,
    "parse": _Parser.d_parse, "evaluate": _Parser.d_evaluate, "stop": _Parser.d_stop,
    "break": _Parser.d_break,
}


class _Group(_Expr):
    """A parenthesised expression: keeps `(a + b) * c` from joining the chain it is in."""

    __slots__ = ("inner",)

    def __init__(self, inner: _Expr) -> None:
        self.inner = inner

    def value(self, ev: _Eval) -> Any:
        return self.inner.value(ev)


# -- the evaluator ---------------------------------------------------------------------------
_MISSING = object()


class _Out:
    """Where rendered text goes: the output (charged to the budget) or a string being built
    (an interpolated literal: capped at the output limit)."""

    __slots__ = ("ev", "root", "parts", "size")

    def __init__(self, ev: _Eval, root: bool) -> None:
        self.ev, self.root, self.size = ev, root, 0
        self.parts: list[str] = []

    def write(self, s: str) -> None:
        if not s:
            return
        if self.root:
            self.ev.budget.emit(len(s))
        else:
            self.size += len(s)
            self.ev.fits(self.size)
        self.parts.append(s)


class _Eval:
    """One render: the context (`$data` and what `#set` binds), the budget, the depth."""

    __slots__ = ("ctx", "budget", "depth", "cap")

    def __init__(self, ctx: dict[str, Any], budget: Budget) -> None:
        self.ctx, self.budget, self.depth = ctx, budget, 0
        self.cap = budget.limits.output

    def fits(self, length: int) -> None:
        if length > self.cap:
            raise RenderLimitError(f"template output exceeded {self.cap:,} characters")

    def nested(self, depth: int) -> None:
        if depth > self.budget.limits.depth:
            raise RenderLimitError(
                f"template nesting exceeded {self.budget.limits.depth} levels")

    def block(self, body: Block, out: _Out) -> None:
        self.depth += 1
        self.nested(self.depth)
        try:
            for node in body:
                node.run(self, out)
        finally:
            self.depth -= 1

    def save(self, names: Sequence[str]) -> list[tuple[str, Any]]:
        return [(n, self.ctx.get(n, _MISSING)) for n in names]

    def restore(self, saved: list[tuple[str, Any]]) -> None:
        for name, v in saved:
            if v is _MISSING:
                self.ctx.pop(name, None)
            else:
                self.ctx[name] = v

    # members
    def call(self, v: Any, name: str, args: list[Any]) -> Any:
        kind = _kind(v)
        member = _METHODS[kind].get(name) if kind is not None else None
        if member is None:
            return None  # no such method: the reference is missing, as in Velocity
        fewest, most, fn = member
        if not fewest <= len(args) <= most:
            raise VelocityError(f"{_describe(v)}.{name}() takes {fewest}"
                                f"{'' if most == fewest else f'-{most}'} argument(s), "
                                f"got {len(args)}")
        return fn(self, v, args)

    def item(self, v: Any, key: Any) -> Any:
        if isinstance(v, dict):
            return _map_get(self, v, [key])
        if isinstance(v, _SEQUENCES):
            return _list_get(self, v, [key])
        return None

    # Java semantics
    def text(self, v: Any, depth: int = 0) -> str:
        """What Velocity prints for a value (Java's toString)."""
        if isinstance(v, str):
            return v
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return _java_double(v)
        if isinstance(v, (*_SEQUENCES, dict)):
            self.nested(depth + 1)
            parts, size = [], 2
            pairs = v.items() if isinstance(v, dict) else ((None, x) for x in v)
            for key, item in pairs:
                self.budget.step()
                s = self.text(item, depth + 1)
                if isinstance(v, dict):
                    s = f"{self.text(key, depth + 1)}={s}"
                size += len(s) + 2
                self.fits(size)
                parts.append(s)
            body = ", ".join(parts)
            return f"{{{body}}}" if isinstance(v, dict) else f"[{body}]"
        if isinstance(v, _Loop):
            return "$foreach"
        return ""  # nothing else is ever a value here

    def equals(self, a: Any, b: Any, depth: int = 0) -> bool:
        """Java's a.equals(b): same type and same value."""
        if a is None or b is None:
            return a is None and b is None
        kind = _kind(a)
        if kind != _kind(b):
            return False
        if kind == "Number":
            return type(a) is type(b) and a == b
        if kind == "List":
            if isinstance(a, range) and isinstance(b, range):
                return a == b
            if len(a) != len(b):
                return False
            self.nested(depth + 1)
            self.budget.step(len(a) // 64)
            return all(self.equals(x, y, depth + 1) for x, y in zip(a, b, strict=True))
        if kind == "Map":
            if a.keys() != b.keys():
                return False
            self.nested(depth + 1)
            self.budget.step(len(a) // 64)
            return all(self.equals(a[k], b[k], depth + 1) for k in a)
        if kind == "Foreach":
            return a is b
        return bool(a == b)

    def same(self, a: Any, b: Any) -> bool:
        """Velocity's ==: numbers by value, same types by equals, others by their text."""
        if a is None or b is None:
            return a is None and b is None
        if _is_number(a) and _is_number(b):
            return bool(a == b)
        if _kind(a) == _kind(b):
            return self.equals(a, b)
        return self.text(a) == self.text(b)

    def binary(self, op: str, a: Any, b: Any) -> Any:
        self.budget.step()
        if op == "==":
            return self.same(a, b)
        if op == "!=":
            return not self.same(a, b)
        if op == "+" and (isinstance(a, str) or isinstance(b, str)) and None not in (a, b):
            left, right = self.text(a), self.text(b)
            self.fits(len(left) + len(right))
            return left + right
        if op in ("<", ">", "<=", ">="):
            if not (_is_number(a) and _is_number(b) or isinstance(a, str) and isinstance(b, str)):
                raise VelocityError(f"cannot compare {_describe(a)} {op} {_describe(b)}")
            if op == "<":
                return a < b
            if op == ">":
                return a > b
            return a <= b if op == "<=" else a >= b
        if not (_is_number(a) and _is_number(b)):
            raise VelocityError(f"cannot apply {op} to {_describe(a)} and {_describe(b)}")
        if op in ("/", "%") and b == 0:
            raise VelocityError("division by zero")
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif isinstance(a, float) or isinstance(b, float):
            return a / b if op == "/" else math.fmod(a, b)
        else:  # Java's integer / and % truncate toward zero
            quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
            result = quotient if op == "/" else a - b * quotient
        if isinstance(result, int) and not -LONG_MAX - 1 <= result <= LONG_MAX:
            raise VelocityError(f"arithmetic overflow: {_describe(a)} {op} {_describe(b)} "
                                "does not fit in 64 bits")
        return result


# -- the interface ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def compile_template(source: str) -> Template:
    """Parse once per source; raises VelocityError for a template that is not valid."""
    try:
        return Template(_Parser(source, 0, _Counter()).template(), source)
    except RecursionError:  # not expected within MAX_NESTING; never a traceback to a client
        raise VelocityError("Velocity syntax error: the template is nested too deeply") from None


def check(source: str) -> None:
    """Raise VelocityError when `source` is not a valid Velocity template."""
    compile_template(source)


def render(source: str, data: dict[str, Any], budget: Budget | None = None) -> str:
    """Render `source` with `$data`; VelocityError if it is not valid or fails to render,
    RenderLimitError when it goes over `budget` (a fresh default Budget when not given)."""
    template = compile_template(source)
    budget = budget if budget is not None else Budget()
    ev = _Eval({"data": data}, budget)
    out = _Out(ev, root=True)
    try:
        for node in template.body:
            node.run(ev, out)
    except (_Stop, _Break):
        pass
    except RecursionError:
        raise RenderLimitError(
            f"template nesting exceeded {budget.limits.depth} levels") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        if isinstance(exc, VelocityError):
            raise VelocityError(f"Velocity rendering failed: {exc}") from None
        raise VelocityError(f"Velocity rendering failed: {type(exc).__name__}") from None
    return "".join(out.parts)


MERGE_TAG = re.compile(r"%([A-Z_]+(?:\.[A-Z_]+)?)%")


def merge_tags(text: str, values: dict[str, str]) -> str:
    """Replace profile placeholders such as `%FIRSTNAME%`; unknown ones become empty."""
    return MERGE_TAG.sub(lambda m: values.get(m.group(1), ""), text)
