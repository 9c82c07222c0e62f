"""The parser's scanner and its expressions: references, literals, operators.

`ExpressionParser` holds the position in the source and the limits every parse keeps
(nesting, element count); `parse.Parser` adds text, blocks and directives on top.
"""
from __future__ import annotations

import re
from typing import NoReturn

from ....core import Limits
from .nodes import (
    PRECEDENCE,
    WORD_OPS,
    Block,
    Chain,
    Expr,
    Group,
    Interpolated,
    ListLiteral,
    Literal,
    Macro,
    MapLiteral,
    Negate,
    Not,
    Part,
    Range,
    Ref,
    Reference,
)
from .values import LONG_MAX, VelocityError

MAX_NESTING = Limits().depth  # blocks, parentheses, literals and strings in the source
MAX_NODES = Limits().steps  # a template larger than this could never render in budget

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REF_START = re.compile(r"\$(!?)(\{?)([A-Za-z_][A-Za-z0-9_]*)")
WS = re.compile(r"\s*")
_BINARY = re.compile(r"\s*(\|\||&&|==|!=|>=|<=|>|<|\+|-|\*|/|%|(?:or|and|eq|ne|gt|lt|ge|le)\b)")
_UNARY = re.compile(r"\s*(!(?!=)|not\b|-)")
_NUMBER = re.compile(r"\d*\.\d+|\d+")
_WORD = re.compile(r"(true|false|null)\b", re.I)
_SINGLE = re.compile(r"'((?:\\.|[^'\\])*)'", re.S)
_DOUBLE = re.compile(r'"((?:\\.|[^"\\])*)"', re.S)
_SINGLE_ESCAPES = re.compile(r"\\([nrbt'\\])")
_DOUBLE_ESCAPES = re.compile(r'\\([nrbt"\\])')
_ESCAPED = {"n": "\n", "r": "\r", "b": "\b", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


class Counter:
    """Shared by a template's parser and the parsers of its string literals."""

    __slots__ = ("nodes", "macros")

    def __init__(self) -> None:
        self.nodes = 0
        self.macros: dict[str, Macro] = {}


class ExpressionParser:
    """The position in the source, the limits every parse keeps, and the expression grammar
    (references, literals, operators by precedence with an explicit stack)."""

    def __init__(self, src: str, depth: int, shared: Counter, where: str = "") -> None:
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
        m = WS.match(self.src, pos)
        return m.end() if m else pos

    def match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        m = pattern.match(self.src, self.pos)
        if m:
            self.pos = m.end()
        return m

    def eat(self, literal: str) -> bool:
        self.match(WS)
        if self.src.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def need(self, literal: str, expected: str | None = None) -> None:
        if not self.eat(literal):
            self.fail(expected or repr(literal))

    def template(self) -> Block:
        """The whole source as a block (the full parser's; string literals use it)."""
        raise NotImplementedError

    # references
    def reference(self) -> Ref | None:
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
                self.match(WS)
                self.enter()
                alternate = self.unary()
                self.leave()
            self.need("}", "} closing ${")
        return Ref(Reference(name, parts, alternate), silent, self.src[start:self.pos])

    def ref_tail(self) -> tuple[Part, ...]:
        src, parts = self.src, []
        while self.pos < len(src):
            c = src[self.pos]
            if c == "[":
                self.pos += 1
                self.enter()
                self.match(WS)
                index = self.expression()
                self.leave()
                self.need("]", "] closing the index")
                parts.append(Part("index", "", (index,)))
            elif c == "." and (m := NAME.match(src, self.pos + 1)):
                self.pos = m.end()
                if src.startswith("(", self.pos):
                    parts.append(Part("call", m.group(), self.arguments()))
                else:
                    parts.append(Part("prop", m.group()))
            else:
                break
            self.count()
        return tuple(parts)

    def arguments(self) -> tuple[Expr, ...]:
        self.pos += 1  # (
        self.enter()
        args: list[Expr] = []
        if not self.eat(")"):
            while True:
                self.match(WS)
                args.append(self.expression())
                if self.eat(")"):
                    break
                self.need(",", ", or ) in the argument list")
        self.leave()
        return tuple(args)

    # expressions
    def expression(self) -> Expr:
        """Operators by precedence, with an explicit stack: no recursion per operator."""
        operands: list[Expr] = [self.unary()]
        ops: list[str] = []

        def reduce() -> None:
            op, right = ops.pop(), operands.pop()
            left, level = operands.pop(), PRECEDENCE[op]
            if isinstance(left, Chain) and left.level == level:
                left.rest.append((op, right))
                operands.append(left)
            else:
                operands.append(Chain(level, left, [(op, right)]))

        while m := _BINARY.match(self.src, self.pos):
            op = WORD_OPS.get(m.group(1), m.group(1))
            while ops and PRECEDENCE[ops[-1]] >= PRECEDENCE[op]:
                reduce()
            self.pos = m.end()
            self.match(WS)
            ops.append(op)
            operands.append(self.unary())
            self.count()
        while ops:
            reduce()
        return operands[0]

    def unary(self) -> Expr:
        self.match(WS)
        m = self.match(_UNARY)
        if m:
            self.enter()
            self.match(WS)
            operand = self.unary()
            self.leave()
            self.count()
            return Negate(operand) if m.group(1) == "-" else Not(operand)
        self.count()
        return self.primary()

    def primary(self) -> Expr:
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
                return Literal(float(text))
            if len(text) > 19 or int(text) > LONG_MAX:
                self.pos = pos
                self.fail("a number that fits in 64 bits")
            return Literal(int(text))
        if c == "'":
            if not (m := self.match(_SINGLE)):
                self.fail("' closing the string")
            return Literal(_SINGLE_ESCAPES.sub(lambda e: _ESCAPED[e.group(1)], m.group(1)))
        if c == '"':
            if not (m := self.match(_DOUBLE)):
                self.fail('" closing the string')
            inner = _DOUBLE_ESCAPES.sub(lambda e: _ESCAPED[e.group(1)], m.group(1))
            if "$" not in inner and "#" not in inner and "\\" not in inner:
                return Literal(inner)
            self.enter()
            body = type(self)(inner, self.depth, self.shared, " in a string literal").template()
            self.leave()
            return Interpolated(body)
        if c and c in "[{(":
            self.pos += 1
            self.enter()
            self.match(WS)
            result = self.bracketed(c)
            self.leave()
            return result
        if m := self.match(_WORD):
            return Literal({"true": True, "false": False, "null": None}[m.group(1).lower()])
        self.fail("a value")

    def bracketed(self, opener: str) -> Expr:
        if opener == "(":
            inner = self.expression()
            self.need(")", ") closing (")
            return Group(inner)
        if opener == "[":
            if self.eat("]"):
                return ListLiteral(())
            first = self.expression()
            if self.eat(".."):
                self.match(WS)
                last = self.expression()
                self.need("]", "] closing the range")
                return Range(first, last)
            items = [first]
            while self.eat(","):
                self.match(WS)
                items.append(self.expression())
                self.count()
            self.need("]", ", or ] in the list")
            return ListLiteral(tuple(items))
        pairs: list[tuple[Expr, Expr]] = []
        if not self.eat("}"):
            while True:
                self.match(WS)
                key = self.expression()
                self.need(":", ": in the map")
                self.match(WS)
                pairs.append((key, self.expression()))
                self.count()
                if self.eat("}"):
                    break
                self.need(",", ", or } in the map")
        return MapLiteral(tuple(pairs))
