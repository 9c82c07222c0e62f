"""The parser: tokens to an AST, as handlebars.js' grammar builds it, with an explicit stack
of open blocks (no recursion per nesting level, so depth is refused at the limit cheaply)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final

from ....core import Budget, RenderLimitError
from .lexer import (
    BOOLEAN,
    CLOSE,
    CLOSE_BLOCK_PARAMS,
    CLOSE_SEXPR,
    CLOSE_UNESCAPED,
    COMMENT,
    CONTENT,
    DATA,
    EOF,
    EQUALS,
    ID,
    INVERSE,
    NULL,
    NUMBER,
    OPEN,
    OPEN_BLOCK,
    OPEN_BLOCK_PARAMS,
    OPEN_ENDBLOCK,
    OPEN_INVERSE,
    OPEN_INVERSE_CHAIN,
    OPEN_PARTIAL,
    OPEN_PARTIAL_BLOCK,
    OPEN_SEXPR,
    OPEN_UNESCAPED,
    SEP,
    STRING,
    UNDEFINED,
    Token,
    parse_error,
    tokenize,
)
from .nodes import (
    NO_STRIP,
    Block,
    Comment,
    Content,
    Expr,
    Literal,
    Mustache,
    Node,
    Partial,
    PartialBlock,
    Path,
    Program,
    Strip,
    SubExpr,
    original_of,
    segment,
    strip_flags,
)
from .values import HandlebarsError, js_number
from .whitespace import Whitespace


@dataclass(slots=True)
class _Call:
    path: Path
    params: tuple[Expr, ...]
    hash: tuple[tuple[str, Expr], ...] | None
    block_params: tuple[str, ...] = ()


@dataclass(slots=True)
class _Segment:
    """An `{{else if ...}}` (call set) or an `{{else}}` (call None) of an open block."""
    call: _Call | None
    strip: Strip
    program: Program


@dataclass(slots=True)
class _Open:
    kind: str  # OPEN_BLOCK, OPEN_INVERSE or OPEN_PARTIAL_BLOCK
    tok: Token
    call: _Call
    name: Expr
    strip: Strip
    program: Program
    segments: list[_Segment] = field(default_factory=list)
    inverse_seen: bool = False

    @property
    def body(self) -> list[Node]:
        return (self.segments[-1].program if self.segments else self.program).body


@dataclass(slots=True)
class _Inverse:
    strip: Strip
    program: Program
    chain: bool


_NAME_START: Final = frozenset({ID, DATA, STRING, NUMBER, BOOLEAN, UNDEFINED, NULL})


class Parser:
    def __init__(self, source: str, max_depth: int, budget: Budget | None = None) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.ahead: deque[Token] = deque()
        self.max_depth = max_depth
        self.budget = budget
        self.count = 0

    def peek(self, k: int = 0) -> Token:
        ahead = self.ahead
        while len(ahead) <= k:
            if ahead and ahead[-1].kind == EOF:
                return ahead[-1]
            ahead.append(next(self.tokens))
        return ahead[k]

    def take(self) -> Token:
        tok = self.peek()
        if tok.kind != EOF:
            self.ahead.popleft()
            self.count += 1
            if self.budget is not None and not self.count & 0x3FF:
                self.budget.check_time()  # parsing a huge template is work too
        return tok

    def fail(self, tok: Token, message: str) -> HandlebarsError:
        return parse_error(self.source, tok.pos, message)

    def expect(self, kind: str) -> Token:
        tok = self.take()
        if tok.kind != kind:
            got = "the end of the template" if tok.kind == EOF else repr(tok.text)
            raise self.fail(tok, f"expected {_EXPECTED.get(kind, kind)}, got {got}")
        return tok

    def too_deep(self) -> RenderLimitError:
        return RenderLimitError(f"template nesting exceeded {self.max_depth} levels")

    # -- statements (an explicit stack of open blocks: no recursion per nesting level) --
    def parse(self) -> Program:
        root = Program()
        stack: list[_Open] = []
        depth = 0
        while True:
            body = stack[-1].body if stack else root.body
            tok = self.take()
            kind = tok.kind
            if kind == CONTENT:
                body.append(Content(tok.text, tok.text))
            elif kind == COMMENT:
                body.append(Comment(strip_flags(tok.text, tok.text)))
            elif kind in (OPEN, OPEN_UNESCAPED):
                body.append(self.mustache(tok, depth))
            elif kind == OPEN_PARTIAL:
                name, _call = self.partial_call(depth)
                close = self.expect(CLOSE)
                body.append(Partial(name, strip_flags(tok.text, close.text)))
            elif kind in (OPEN_BLOCK, OPEN_INVERSE, OPEN_PARTIAL_BLOCK):
                depth += 1
                if depth > self.max_depth:
                    raise self.too_deep()
                if kind == OPEN_PARTIAL_BLOCK:
                    name, call = self.partial_call(depth)
                else:
                    call = self.call(depth, block_params=True)
                    name = call.path
                close = self.expect(CLOSE)
                stack.append(_Open(kind, tok, call, name, strip_flags(tok.text, close.text),
                                   Program([], call.block_params)))
            elif kind == OPEN_INVERSE_CHAIN:
                frame = stack[-1] if stack else None
                if frame is None or frame.kind != OPEN_BLOCK or frame.inverse_seen:
                    raise self.fail(tok, "unexpected {{else ...}}")
                depth += 1
                if depth > self.max_depth:
                    raise self.too_deep()
                call = self.call(depth, block_params=True)
                close = self.expect(CLOSE)
                frame.segments.append(_Segment(call, strip_flags(tok.text, close.text),
                                               Program([], call.block_params)))
            elif kind == INVERSE:
                frame = stack[-1] if stack else None
                if frame is None or frame.kind == OPEN_PARTIAL_BLOCK or frame.inverse_seen:
                    raise self.fail(tok, "unexpected {{else}}")
                frame.inverse_seen = True
                frame.segments.append(_Segment(None, strip_flags(tok.text, tok.text),
                                               Program()))
            elif kind == OPEN_ENDBLOCK:
                if not stack:
                    raise self.fail(tok, f"{tok.text}...}} closes no block")
                frame = stack.pop()
                name = self.helper_name()
                close = self.expect(CLOSE)
                opened = original_of(frame.name)
                if not isinstance(frame.name, SubExpr) and opened != original_of(name):
                    raise self.fail(tok, f"{opened} doesn't match {original_of(name)}")
                node = self.build(frame, strip_flags(tok.text, close.text))
                depth -= 1 + sum(1 for seg in frame.segments if seg.call is not None)
                (stack[-1].body if stack else root.body).append(node)
            elif kind == EOF:
                if stack:
                    raise self.fail(tok, f"{original_of(stack[-1].name)} is not closed")
                Whitespace().program(root)
                return root
            else:
                raise self.fail(tok, f"unexpected {tok.text!r}")

    def build(self, frame: _Open, close_strip: Strip) -> Node:
        """prepareBlock, chains folded from the last `{{else ...}}` back as jison does."""
        call = frame.call
        if frame.kind == OPEN_PARTIAL_BLOCK:
            return PartialBlock(frame.name, call.params, call.hash, frame.program, frame.strip,
                                close_strip)
        nxt: _Inverse | None = None
        for seg in reversed(frame.segments):
            if seg.call is None:
                nxt = _Inverse(seg.strip, seg.program, chain=False)
                continue
            inner = _prepare_block(seg.call, seg.strip, seg.program, nxt,
                                   nxt.strip if nxt is not None else NO_STRIP, False)
            nxt = _Inverse(seg.strip, Program([inner], chained=True), chain=True)
        return _prepare_block(call, frame.strip, frame.program, nxt, close_strip,
                              frame.kind == OPEN_INVERSE)

    # -- inside a mustache --------------------------------------------------------------
    def mustache(self, tok: Token, depth: int) -> Mustache:
        call = self.call(depth)
        close = self.expect(CLOSE_UNESCAPED if tok.kind == OPEN_UNESCAPED else CLOSE)
        flag = tok.text[3:4] or tok.text[2:3]
        return Mustache(call.path, call.params, call.hash, flag not in ("{", "&"),
                        strip_flags(tok.text, close.text))

    def partial_call(self, depth: int) -> tuple[Expr, _Call]:
        name: Expr
        if self.peek().kind == OPEN_SEXPR:
            name = self.sexpr(depth + 1)
        else:
            name = self.helper_name()
        params, hash_ = self.arguments(depth)
        return name, _Call(Path("", ()), params, hash_)

    def call(self, depth: int, block_params: bool = False) -> _Call:
        path = _as_path(self.helper_name())
        params, hash_ = self.arguments(depth)
        names: tuple[str, ...] = ()
        if block_params and self.peek().kind == OPEN_BLOCK_PARAMS:
            self.take()
            ids = []
            while self.peek().kind == ID:
                ids.append(segment(self.take().text))
            if not ids:
                raise self.fail(self.peek(), "expected a block parameter name")
            self.expect(CLOSE_BLOCK_PARAMS)
            names = tuple(ids)
        return _Call(path, params, hash_, names)

    def arguments(self, depth: int
                  ) -> tuple[tuple[Expr, ...], tuple[tuple[str, Expr], ...] | None]:
        params: list[Expr] = []
        pairs: list[tuple[str, Expr]] = []
        while True:
            tok = self.peek()
            if tok.kind == ID and self.peek(1).kind == EQUALS:
                self.take()
                self.take()
                pairs.append((segment(tok.text), self.param(depth)))
            elif pairs:
                break
            elif tok.kind in _NAME_START or tok.kind == OPEN_SEXPR:
                params.append(self.param(depth))
            else:
                break
        return tuple(params), (tuple(pairs) if pairs else None)

    def param(self, depth: int) -> Expr:
        if self.peek().kind == OPEN_SEXPR:
            return self.sexpr(depth + 1)
        return self.helper_name()

    def sexpr(self, depth: int) -> SubExpr:
        if depth > self.max_depth:  # before recursing: ((((... is refused at the limit
            raise self.too_deep()
        self.expect(OPEN_SEXPR)
        call = self.call(depth)
        self.expect(CLOSE_SEXPR)
        return SubExpr(call.path, call.params, call.hash)

    def helper_name(self) -> Path | Literal:
        tok = self.take()
        kind = tok.kind
        if kind == ID:
            return self.path(tok, data=False)
        if kind == DATA:
            return self.path(self.expect(ID), data=True)
        if kind == STRING:
            return Literal(tok.text, tok.text)
        if kind == NUMBER:  # Number(text): a double, an int when it is one
            value = float(tok.text)
            number: int | float = int(value) if value.is_integer() and abs(value) < 2**53 \
                else value
            return Literal(number, js_number(value))
        if kind == BOOLEAN:
            return Literal(tok.text == "true", tok.text)
        if kind in (UNDEFINED, NULL):
            return Literal(None, tok.text)
        got = "the end of the template" if kind == EOF else repr(tok.text)
        raise self.fail(tok, f"expected a name, a path or a literal, got {got}")

    def path(self, first: Token, data: bool) -> Path:
        segments = [(first.text, "")]
        while self.peek().kind == SEP and self.peek(1).kind == ID:
            sep = self.take().text
            segments.append((self.take().text, sep))
        original = "@" if data else ""
        parts: list[str] = []
        depth = 0
        for text, sep in segments:
            part = segment(text)
            original += sep + part
            if part == text and part in ("..", ".", "this"):
                if parts:
                    raise self.fail(first, f"Invalid path: {original}")
                if part == "..":
                    depth += 1
            else:
                parts.append(part)
        return Path(original, tuple(parts), depth, data)


_EXPECTED: Final = {CLOSE: "'}}'", CLOSE_UNESCAPED: "'}}}'", CLOSE_SEXPR: "')'",
                    ID: "a name", CLOSE_BLOCK_PARAMS: "'|'", OPEN_SEXPR: "'('"}


def _as_path(name: Path | Literal) -> Path:
    """A literal where a helper name goes is a one-segment path (transformLiteralToPath)."""
    return name if isinstance(name, Path) else Path(name.original, (name.original,))


def _prepare_block(call: _Call, open_strip: Strip, program: Program, inv: _Inverse | None,
                   close_strip: Strip, inverted: bool) -> Block:
    inverse: Program | None = None
    inverse_strip = NO_STRIP
    if inv is not None:
        if inv.chain:
            chained = inv.program.body[0]
            assert isinstance(chained, Block)
            chained.close_strip = close_strip
        inverse_strip, inverse = inv.strip, inv.program
    main: Program | None = program
    if inverted:
        main, inverse = inverse, program
    return Block(call.path, call.params, call.hash, main, inverse, open_strip, inverse_strip,
                 close_strip)
