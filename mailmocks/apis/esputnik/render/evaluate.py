"""One render: the context, the budget, and Java's printing, equality and arithmetic."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ....core import Budget, RenderLimitError
from .values import (
    LONG_MAX,
    METHODS,
    SEQUENCES,
    Loop,
    VelocityError,
    describe,
    is_number,
    java_double,
    kind_of,
    list_get,
    map_get,
)

if TYPE_CHECKING:
    from .nodes import Block

# -- the evaluator ---------------------------------------------------------------------------
_MISSING = object()


class Out:
    """Where rendered text goes: the output (charged to the budget) or a string being built
    (an interpolated literal: capped at the output limit)."""

    __slots__ = ("ev", "root", "parts", "size")

    def __init__(self, ev: Eval, root: bool) -> None:
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


class Eval:
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

    def block(self, body: Block, out: Out) -> None:
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
        kind = kind_of(v)
        member = METHODS[kind].get(name) if kind is not None else None
        if member is None:
            return None  # no such method: the reference is missing, as in Velocity
        fewest, most, fn = member
        if not fewest <= len(args) <= most:
            raise VelocityError(f"{describe(v)}.{name}() takes {fewest}"
                                f"{'' if most == fewest else f'-{most}'} argument(s), "
                                f"got {len(args)}")
        return fn(self, v, args)

    def item(self, v: Any, key: Any) -> Any:
        if isinstance(v, dict):
            return map_get(self, v, [key])
        if isinstance(v, SEQUENCES):
            return list_get(self, v, [key])
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
            return java_double(v)
        if isinstance(v, (*SEQUENCES, dict)):
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
        if isinstance(v, Loop):
            return "$foreach"
        return ""  # nothing else is ever a value here

    def equals(self, a: Any, b: Any, depth: int = 0) -> bool:
        """Java's a.equals(b): same type and same value."""
        if a is None or b is None:
            return a is None and b is None
        kind = kind_of(a)
        if kind != kind_of(b):
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
        if is_number(a) and is_number(b):
            return bool(a == b)
        if kind_of(a) == kind_of(b):
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
            if not (is_number(a) and is_number(b) or isinstance(a, str) and isinstance(b, str)):
                raise VelocityError(f"cannot compare {describe(a)} {op} {describe(b)}")
            if op == "<":
                return a < b
            if op == ">":
                return a > b
            return a <= b if op == "<=" else a >= b
        if not (is_number(a) and is_number(b)):
            raise VelocityError(f"cannot apply {op} to {describe(a)} and {describe(b)}")
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
            raise VelocityError(f"arithmetic overflow: {describe(a)} {op} {describe(b)} "
                                "does not fit in 64 bits")
        return result
