"""Whitespace control: `~` stripping and standalone lines, a port of the parser's
WhitespaceControl visitor (run once on every parsed program)."""
from __future__ import annotations

from dataclasses import dataclass

from .nodes import (
    NO_STRIP,
    Block,
    Comment,
    Content,
    Mustache,
    Node,
    Partial,
    PartialBlock,
    Program,
)
from .values import WS


@dataclass(slots=True)
class _StripInfo:
    open: bool = False
    close: bool = False
    open_standalone: bool = False
    close_standalone: bool = False
    inline_standalone: bool = False


def _trailing_ws(text: str) -> str:
    return text[len(text.rstrip(WS)):]


def _leading_ws(text: str) -> str:
    return text[:len(text) - len(text.lstrip(WS))]


def _is_prev_ws(body: list[Node], i: int | None = None, is_root: bool = False) -> bool:
    if i is None:
        i = len(body)
    prev = body[i - 1] if i >= 1 else None
    sibling = body[i - 2] if i >= 2 else None
    if prev is None:
        return is_root
    if isinstance(prev, Content):
        tail = _trailing_ws(prev.original)
        if sibling is not None or not is_root:
            return "\n" in tail  # /\r?\n\s*?$/
        return "\n" in tail or tail == prev.original  # /(^|\r?\n)\s*?$/
    return False


def _is_next_ws(body: list[Node], i: int | None = None, is_root: bool = False) -> bool:
    if i is None:
        i = -1
    nxt = body[i + 1] if i + 1 < len(body) else None
    sibling = body[i + 2] if i + 2 < len(body) else None
    if nxt is None:
        return is_root
    if isinstance(nxt, Content):
        head = _leading_ws(nxt.original)
        if sibling is not None or not is_root:
            return "\n" in head  # /^\s*?\r?\n/
        return "\n" in head or head == nxt.original  # /^\s*?(\r?\n|$)/
    return False


def _omit_right(body: list[Node], i: int | None = None, multiple: bool = False) -> None:
    idx = 0 if i is None else i + 1
    current = body[idx] if idx < len(body) else None
    if not isinstance(current, Content) or (not multiple and current.right_stripped):
        return
    original = current.value
    if multiple:
        current.value = original.lstrip(WS)
    else:  # /^[ \t]*\r?\n?/
        j = len(original) - len(original.lstrip(" \t"))
        if original[j:j + 1] == "\r":
            j += 1
        if original[j:j + 1] == "\n":
            j += 1
        current.value = original[j:]
    current.right_stripped = current.value != original


def _omit_left(body: list[Node], i: int | None = None, multiple: bool = False) -> bool:
    idx = len(body) - 1 if i is None else i - 1
    current = body[idx] if 0 <= idx < len(body) else None
    if not isinstance(current, Content) or (not multiple and current.left_stripped):
        return False
    original = current.value
    current.value = original.rstrip(WS) if multiple else original.rstrip(" \t")
    current.left_stripped = current.value != original
    return current.left_stripped


class Whitespace:
    def __init__(self) -> None:
        self.root_seen = False

    def program(self, program: Program) -> None:
        is_root = not self.root_seen
        self.root_seen = True
        body = program.body
        for i, current in enumerate(body):
            strip = self.accept(current)
            if strip is None:
                continue
            prev_ws = _is_prev_ws(body, i, is_root)
            next_ws = _is_next_ws(body, i, is_root)
            open_standalone = strip.open_standalone and prev_ws
            close_standalone = strip.close_standalone and next_ws
            inline_standalone = strip.inline_standalone and prev_ws and next_ws
            if strip.close:
                _omit_right(body, i, True)
            if strip.open:
                _omit_left(body, i, True)
            if inline_standalone:
                _omit_right(body, i)
                _omit_left(body, i)
            if open_standalone and isinstance(current, Block | PartialBlock):
                _omit_right(_first_program(current).body)
                _omit_left(body, i)
            if close_standalone and isinstance(current, Block | PartialBlock):
                _omit_right(body, i)
                last = current.inverse if isinstance(current, Block) else None
                _omit_left((last or _first_program(current)).body)

    def accept(self, node: Node) -> _StripInfo | None:
        if isinstance(node, Content):
            return None
        if isinstance(node, Mustache):
            return _StripInfo(node.strip.open, node.strip.close)
        if isinstance(node, Comment | Partial):
            return _StripInfo(node.strip.open, node.strip.close, inline_standalone=True)
        return self.block(node)

    def block(self, block: Block | PartialBlock) -> _StripInfo:
        if isinstance(block, PartialBlock):
            main: Program | None = block.program
            inverse: Program | None = None
            inverse_strip = NO_STRIP
        else:
            main, inverse, inverse_strip = block.program, block.inverse, block.inverse_strip
        if main is not None:
            self.program(main)
        if inverse is not None:
            self.program(inverse)
        program = main or inverse
        assert program is not None
        inverse = inverse if main is not None else None
        first_inverse = last_inverse = inverse
        if inverse is not None and inverse.chained:
            first = inverse.body[0]
            assert isinstance(first, Block) and first.program is not None
            first_inverse = first.program
            while last_inverse is not None and last_inverse.chained:
                last = last_inverse.body[-1]
                assert isinstance(last, Block)
                last_inverse = last.program
        strip = _StripInfo(block.open_strip.open, block.close_strip.close,
                           open_standalone=_is_next_ws(program.body),
                           close_standalone=_is_prev_ws((first_inverse or program).body))
        if block.open_strip.close:
            _omit_right(program.body, None, True)
        if inverse is not None:
            assert first_inverse is not None and last_inverse is not None
            if inverse_strip.open:
                _omit_left(program.body, None, True)
            if inverse_strip.close:
                _omit_right(first_inverse.body, None, True)
            if block.close_strip.open:
                _omit_left(last_inverse.body, None, True)
            if _is_prev_ws(program.body) and _is_next_ws(first_inverse.body):
                _omit_left(program.body)
                _omit_right(first_inverse.body)
        elif block.close_strip.open:
            _omit_left(program.body, None, True)
        return strip


def _first_program(node: Block | PartialBlock) -> Program:
    if isinstance(node, PartialBlock):
        return node.program
    program = node.program or node.inverse
    assert program is not None
    return program
