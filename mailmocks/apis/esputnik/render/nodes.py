"""The parsed tree: nodes that write output and expressions that yield values.

Every node and expression takes a `budget.step()` when it runs; the tree is immutable and
shared between renders (`Template`).
"""
from __future__ import annotations

from typing import Any

from .evaluate import Eval, Out
from .values import (
    INT_MAX,
    SEQUENCES,
    Break,
    Loop,
    Stop,
    VelocityError,
    describe,
    is_number,
    property_of,
    truthy,
)


# -- the tree --------------------------------------------------------------------------------
class Node:
    __slots__ = ()

    def run(self, ev: Eval, out: Out) -> None:
        raise NotImplementedError


class Expr:
    __slots__ = ()

    def value(self, ev: Eval) -> Any:
        raise NotImplementedError


Block = tuple[Node, ...]


class Text(Node):
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def run(self, ev: Eval, out: Out) -> None:
        ev.budget.step()
        out.write(self.text)


class Literal(Expr):
    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        return self.v


class Interpolated(Expr):
    __slots__ = ("body",)

    def __init__(self, body: Block) -> None:
        self.body = body

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        out = Out(ev, root=False)
        ev.block(self.body, out)
        return "".join(out.parts)


class ListLiteral(Expr):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Expr, ...]) -> None:
        self.items = items

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        return [item.value(ev) for item in self.items]


class MapLiteral(Expr):
    __slots__ = ("pairs",)

    def __init__(self, pairs: tuple[tuple[Expr, Expr], ...]) -> None:
        self.pairs = pairs

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        out: dict[Any, Any] = {}
        for k, v in self.pairs:
            key = k.value(ev)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise VelocityError(f"a map key must be a string or a number, got "
                                    f"{describe(key)}")
            out[key] = v.value(ev)
        return out


class Range(Expr):
    __slots__ = ("lo", "hi")

    def __init__(self, lo: Expr, hi: Expr) -> None:
        self.lo, self.hi = lo, hi

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        lo, hi = self.lo.value(ev), self.hi.value(ev)
        ends = []
        for end in (lo, hi):
            if isinstance(end, bool) or not isinstance(end, int) or abs(end) > INT_MAX:
                raise VelocityError(f"a range [m..n] needs whole numbers within Java int, "
                                    f"got {describe(end)}")
            ends.append(end)
        lo, hi = ends
        return range(lo, hi + 1) if lo <= hi else range(lo, hi - 1, -1)


class Part:
    __slots__ = ("kind", "name", "args")

    def __init__(self, kind: str, name: str, args: tuple[Expr, ...] = ()) -> None:
        self.kind, self.name, self.args = kind, name, args  # kind: "prop" | "call" | "index"


class Reference(Expr):
    __slots__ = ("name", "parts", "alternate")

    def __init__(self, name: str, parts: tuple[Part, ...], alternate: Expr | None) -> None:
        self.name, self.parts, self.alternate = name, parts, alternate

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        v = None if self.name.startswith("_") else ev.ctx.get(self.name)
        for part in self.parts:
            if v is None:
                break
            ev.budget.step()
            if part.kind == "prop":
                v = None if part.name.startswith("_") else property_of(v, part.name)
            elif part.kind == "call":
                v = ev.call(v, part.name, [a.value(ev) for a in part.args])
            else:
                v = ev.item(v, part.args[0].value(ev))
        if v is None and self.alternate is not None:
            v = self.alternate.value(ev)
        return v


class Not(Expr):
    __slots__ = ("operand",)

    def __init__(self, operand: Expr) -> None:
        self.operand = operand

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        return not truthy(self.operand.value(ev))


class Negate(Expr):
    __slots__ = ("operand",)

    def __init__(self, operand: Expr) -> None:
        self.operand = operand

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        v = self.operand.value(ev)
        if not is_number(v):
            raise VelocityError(f"cannot negate {describe(v)}")
        return -v


PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
WORD_OPS = {"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
             "ge": ">="}


class Chain(Expr):
    """`a op b op c ...` at one precedence level, evaluated left to right in a loop (so a
    long chain is not a deep tree); `&&` and `||` stop as soon as the answer is known."""

    __slots__ = ("level", "first", "rest")

    def __init__(self, level: int, first: Expr, rest: list[tuple[str, Expr]]) -> None:
        self.level, self.first, self.rest = level, first, rest

    def value(self, ev: Eval) -> Any:
        ev.budget.step()
        if self.level <= 2:  # || and &&
            want = self.level == 1
            if truthy(self.first.value(ev)) == want:
                return want
            for _, operand in self.rest:
                if truthy(operand.value(ev)) == want:
                    return want
            return not want
        acc = self.first.value(ev)
        for op, operand in self.rest:
            acc = ev.binary(op, acc, operand.value(ev))
        return acc


class Ref(Node):
    __slots__ = ("ref", "silent", "source")

    def __init__(self, ref: Reference, silent: bool, source: str) -> None:
        self.ref, self.silent, self.source = ref, silent, source

    def run(self, ev: Eval, out: Out) -> None:
        ev.budget.step()
        v = self.ref.value(ev)
        if v is None:
            out.write("" if self.silent else self.source)
        else:
            out.write(ev.text(v))


class If(Node):
    __slots__ = ("branches", "otherwise")

    def __init__(self, branches: tuple[tuple[Expr, Block], ...], otherwise: Block) -> None:
        self.branches, self.otherwise = branches, otherwise

    def run(self, ev: Eval, out: Out) -> None:
        ev.budget.step()
        for condition, body in self.branches:
            if truthy(condition.value(ev)):
                ev.block(body, out)
                return
        if self.otherwise:
            ev.block(self.otherwise, out)


class Foreach(Node):
    __slots__ = ("var", "items", "body")

    def __init__(self, var: str, items: Expr, body: Block) -> None:
        self.var, self.items, self.body = var, items, body

    def run(self, ev: Eval, out: Out) -> None:
        ev.budget.step()
        items = self.items.value(ev)
        if isinstance(items, dict):
            items = list(items.values())  # Velocity iterates a map's values
        elif not isinstance(items, SEQUENCES):
            return  # null, or nothing to iterate: Velocity skips the loop
        names = (self.var, "velocityCount", "velocityHasNext", "foreach")
        saved = ev.save(names)
        length = len(items)
        try:
            for i, item in enumerate(items):
                ev.budget.step()
                ev.ctx.update({self.var: item, "velocityCount": i + 1,
                               "velocityHasNext": i + 1 < length, "foreach": Loop(i, length)})
                try:
                    ev.block(self.body, out)
                except Break:
                    break
        finally:
            ev.restore(saved)


class Set(Node):
    __slots__ = ("target", "expr")

    def __init__(self, target: str, expr: Expr) -> None:
        self.target, self.expr = target, expr

    def run(self, ev: Eval, out: Out) -> None:
        ev.budget.step()
        if "." in self.target:
            raise VelocityError(f"#set(${self.target} = ...): only a variable can be set")
        v = self.expr.value(ev)
        if not self.target.startswith("_"):
            ev.ctx[self.target] = v


class Macro:
    __slots__ = ("name", "params", "body")

    def __init__(self, name: str, params: tuple[str, ...]) -> None:
        self.name, self.params = name, params
        self.body: Block = ()


class MacroCall(Node):
    __slots__ = ("macro", "args")

    def __init__(self, macro: Macro, args: tuple[Expr, ...]) -> None:
        self.macro, self.args = macro, args

    def run(self, ev: Eval, out: Out) -> None:
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
        except Break:
            pass
        finally:
            ev.restore(saved)


class Unavailable(Node):
    __slots__ = ("directive",)

    def __init__(self, directive: str) -> None:
        self.directive = directive

    def run(self, ev: Eval, out: Out) -> None:
        what = ("cannot include or parse other templates" if self.directive in
                ("include", "parse") else "cannot turn text into template code")
        raise VelocityError(f"#{self.directive} is not available: eSputnik templates {what}")


class Jump(Node):
    __slots__ = ("stop",)

    def __init__(self, stop: bool) -> None:
        self.stop = stop

    def run(self, ev: Eval, out: Out) -> None:
        ev.budget.step()
        raise Stop() if self.stop else Break()


class Template:
    """A parsed template: the tree `render` walks. Immutable, shared between renders."""

    __slots__ = ("body", "source")

    def __init__(self, body: Block, source: str) -> None:
        self.body, self.source = body, source


class Group(Expr):
    """A parenthesised expression: keeps `(a + b) * c` from joining the chain it is in."""

    __slots__ = ("inner",)

    def __init__(self, inner: Expr) -> None:
        self.inner = inner

    def value(self, ev: Eval) -> Any:
        return self.inner.value(ev)
