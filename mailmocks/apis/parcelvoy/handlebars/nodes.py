"""The AST a parse builds: statements (content, mustaches, blocks, partials) and the
expressions inside them (paths, literals, subexpressions)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Strip:
    open: bool = False
    close: bool = False


NO_STRIP: Final = Strip()
_SCOPED: Final = re.compile(r"^\.|this\b", re.ASCII)


@dataclass(frozen=True, slots=True)
class Path:
    original: str
    parts: tuple[str, ...]
    depth: int = 0
    data: bool = False
    scoped: bool = field(init=False)  # `this.x`, `./x`: never a helper or a block parameter
    simple: bool = field(init=False)  # one plain name: the only kind that can name a helper

    def __post_init__(self) -> None:
        scoped = bool(_SCOPED.search(self.original))
        object.__setattr__(self, "scoped", scoped)
        object.__setattr__(self, "simple", len(self.parts) == 1 and not self.depth
                           and not self.data and not scoped)


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    original: str


@dataclass(frozen=True, slots=True)
class SubExpr:
    path: Path
    params: tuple[Expr, ...]
    hash: tuple[tuple[str, Expr], ...] | None


Expr = Path | Literal | SubExpr


@dataclass(slots=True)
class Content:
    original: str
    value: str
    left_stripped: bool = False
    right_stripped: bool = False


@dataclass(slots=True)
class Comment:
    strip: Strip


@dataclass(slots=True)
class Mustache:
    path: Path
    params: tuple[Expr, ...]
    hash: tuple[tuple[str, Expr], ...] | None
    escaped: bool
    strip: Strip


@dataclass(slots=True)
class Program:
    body: list[Node] = field(default_factory=list)
    block_params: tuple[str, ...] = ()
    chained: bool = False


@dataclass(slots=True)
class Block:
    path: Path
    params: tuple[Expr, ...]
    hash: tuple[tuple[str, Expr], ...] | None
    program: Program | None
    inverse: Program | None
    open_strip: Strip
    inverse_strip: Strip
    close_strip: Strip


@dataclass(slots=True)
class Partial:
    name: Expr
    strip: Strip


@dataclass(slots=True)
class PartialBlock:
    name: Expr
    params: tuple[Expr, ...]
    hash: tuple[tuple[str, Expr], ...] | None
    program: Program
    open_strip: Strip
    close_strip: Strip


Node = Content | Comment | Mustache | Block | Partial | PartialBlock


def strip_flags(open_text: str, close_text: str) -> Strip:
    return Strip(open_text[2:3] == "~", close_text[-3:-2] == "~")


_LINE_BREAK: Final = re.compile("[\n\r\u2028\u2029]")


def segment(text: str) -> str:
    """yy.id: a bracketed segment is the key between the brackets (a `.` does not cross
    line breaks there, as in JavaScript)."""
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]" and not _LINE_BREAK.search(text):
        return text[1:-1]
    return text


def original_of(expr: Expr) -> str:
    return expr.original if isinstance(expr, Path | Literal) else "(subexpression)"
