"""Handlebars 4.7, interpreted: a tokenizer, a parser to an AST and an evaluator that walks it.

The Parcelvoy fake renders stored templates, which are user input, so this engine is built to
be inert: it never compiles a template to Python source and never calls eval/exec. Variable
lookup is a dict key or a list index and nothing else (no getattr anywhere, so `__class__`,
`__dict__` or `__globals__` are plain keys that are missing); a bracketed segment `[weird key]`
is just a key name; a value that is not dict, list, str, number, bool or None reads as empty.
A name in a template reaches Python code only through the built-in helpers below or the helper
table the caller passes in. Every render runs under a `core.render.Budget`: one step per node
and per loop iteration, every written chunk counted, nesting capped at `limits.depth` (already
when parsing, without recursion, so 10,000 nested blocks or parentheses are refused cheaply).

What is supported, with handlebars.js semantics (checked against its spec and lexer):

- text; `{{x}}` HTML-escaped (& < > " ' ` =); `{{{x}}}` and `{{& x}}` raw; `\\{{x}}` literal;
  comments `{{! }}` and `{{!-- --}}`; `~` whitespace control and standalone-line stripping;
- paths `a.b.c` / `a/b`, `this`, `.`, `../` (the parent context, as in 4.x), `@index @first
  @last @key @root` and `@../index`, `[weird key]`; literals "str" 'str' 12 -1.5 true false
  null undefined; subexpressions `(helper a b)`; hash arguments `key=value`;
- blocks `{{#if}}` (with `includeZero=true`), `{{#unless}}`, `{{#each}}` over lists and dicts
  (JavaScript key order), `{{#with}}`, each with `{{else}}` / `{{^}}`, `{{else if ...}}`
  chains, block parameters `as |item index|`, inverted sections `{{^x}}`, implicit blocks
  `{{#x}}` (a list iterates, true/false/null choose a side, anything else becomes the context);
- `{{lookup obj key}}`, `{{log ...}}` (a no-op), and custom helpers, plain or as blocks.

Not supported: partials (none are registered, so `{{> x}}` fails as handlebars.js fails on a
missing partial, "The partial x could not be found"; a partial block `{{#> x}}fallback{{/x}}`
renders its fallback), decorators and inline partials (`{{* }}`, `{{#* inline}}`) and raw
blocks (`{{{{raw}}}}`), which are refused at parse time. `null` and `undefined` are both None.

Custom helpers. A helper is a function of one argument, `Options`, returning the value to
render (None renders empty, `SafeString` is not escaped, anything else prints as JavaScript
prints it: `true`, `3`, `1.5`, `NaN`, `a,b`):

    def shout(h: Options) -> str:          # {{shout user.name "!"}}
        return f"{h.arg(0)}{h.arg(1)}".upper()

    def if_even(h: Options) -> str:        # {{#if_even n}}even{{else}}odd{{/if_even}}
        return h.fn(h.this) if h.arg(0) % 2 == 0 else h.inverse(h.this)

`h.args` are the evaluated positional parameters and `h.arg(i)` is None past their end (the
JavaScript `undefined`), `h.hash` the evaluated `key=value` pairs, `h.this` the current
context, `h.env` what the caller passed as `env` (values for helpers that templates cannot
read, e.g. the fake's clock), `h.fn(context)` / `h.inverse(context)` render the block's main
and `{{else}}` parts (empty for a non-block call). Build the table with `helpers({...})`,
which refuses names of the built-ins. An exception a helper raises becomes `HandlebarsError`.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from ...core.render import DEFAULT_LIMITS, Budget, Limits, RenderLimitError

__all__ = ["HandlebarsError", "Helper", "Options", "SafeString", "Template", "helpers",
           "js_str", "parse", "render"]


class HandlebarsError(Exception):
    """A template that does not parse, or that throws while rendering (as handlebars.js would)."""


class SafeString(str):
    """Text that `{{ }}` writes as it is (Handlebars.SafeString)."""

    __slots__ = ()


# -- JavaScript values ----------------------------------------------------------------------
# JavaScript's \s, used by the lexer and by whitespace control.
_WS: Final = (" \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                 "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"})
_DATA_TYPES: Final = (dict, list, str, int, float, type(None))
_MAX_PRINT_DEPTH: Final = 32


def js_number(x: float) -> str:
    """`String(x)` for a JavaScript number."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    sign, digits_t, exp = Decimal(repr(x)).as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digits_t)).rstrip("0") or "0"
    exp += len("".join(map(str, digits_t))) - len(digits)
    k, n = len(digits), exp + len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = (digits if k == 1 else digits[0] + "." + digits[1:]) + \
            ("e+" if e >= 0 else "e-") + str(abs(e))
    return ("-" if sign else "") + text


def js_str(value: Any, _depth: int = 0) -> str:
    """The text of a value as Handlebars writes it: JavaScript's String(), None as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) < 2**53:
            return str(value)
        return js_number(float(value)) if abs(value) < 2**1023 else \
            "Infinity" if value > 0 else "-Infinity"  # a JavaScript number is a double
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, list):  # Array.prototype.toString
        if _depth >= _MAX_PRINT_DEPTH:
            return ""
        return ",".join(js_str(v, _depth + 1) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return ""  # not template data: reads as empty


def _escape(value: Any) -> str:
    if isinstance(value, SafeString):
        return value
    return js_str(value).translate(_ESCAPES)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """JavaScript truthiness of template data (anything that is not data is undefined)."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if _is_number(value):
        return bool(value == value and value != 0)
    if isinstance(value, str):
        return value != ""
    return isinstance(value, dict | list)


def _is_empty(value: Any) -> bool:
    """Handlebars' isEmpty: falsy but not the number 0, or an empty list."""
    if not truthy(value) and not (_is_number(value) and value == 0):
        return True
    return isinstance(value, list) and not value


def _data(value: Any) -> Any:
    return value if isinstance(value, _DATA_TYPES) else None


_INDEX: Final = re.compile(r"0|[1-9][0-9]{0,15}", re.ASCII)  # longer is never an index


def _key(key: Any) -> str:
    return key if isinstance(key, str) else js_str(key) if key is not None else "undefined"


def get(obj: Any, key: Any) -> Any:
    """`obj[key]` on template data: a dict key, a list or string index, `length`; else None."""
    if isinstance(obj, dict):
        return _data(dict.get(obj, _key(key)))
    if isinstance(obj, list):
        if _is_number(key):
            if isinstance(key, float) and not (key.is_integer() and abs(key) < 2**53):
                return None
            i = int(key)
            return _data(list.__getitem__(obj, i)) if 0 <= i < len(obj) else None
        name = _key(key)
        if name == "length":
            return len(obj)
        if _INDEX.fullmatch(name):
            i = int(name)
            return _data(list.__getitem__(obj, i)) if i < len(obj) else None
        return None
    if isinstance(obj, str):  # a string's length and characters, as in JavaScript
        name = _key(key)
        if name == "length":
            return len(obj)
        if _INDEX.fullmatch(name) and int(name) < len(obj):
            return obj[int(name)]
    return None


def _js_keys(obj: dict[Any, Any]) -> list[Any]:
    """Object.keys order: array-index keys ascending, then the others in insertion order."""
    def is_index(k: Any) -> bool:
        return isinstance(k, str) and len(k) <= 10 and bool(_INDEX.fullmatch(k)) \
            and int(k) < 2**32 - 1
    indexes = sorted((k for k in obj if is_index(k)), key=int)
    return indexes + [k for k in obj if not is_index(k)] if indexes else list(obj)


# -- tokens ---------------------------------------------------------------------------------
CONTENT, COMMENT, OPEN, OPEN_UNESCAPED, OPEN_BLOCK, OPEN_INVERSE, OPEN_INVERSE_CHAIN = (
    "CONTENT", "COMMENT", "OPEN", "OPEN_UNESCAPED", "OPEN_BLOCK", "OPEN_INVERSE",
    "OPEN_INVERSE_CHAIN")
OPEN_ENDBLOCK, OPEN_PARTIAL, OPEN_PARTIAL_BLOCK, INVERSE, CLOSE, CLOSE_UNESCAPED = (
    "OPEN_ENDBLOCK", "OPEN_PARTIAL", "OPEN_PARTIAL_BLOCK", "INVERSE", "CLOSE",
    "CLOSE_UNESCAPED")
OPEN_SEXPR, CLOSE_SEXPR, ID, SEP, DATA, EQUALS, STRING, NUMBER, BOOLEAN, UNDEFINED, NULL = (
    "OPEN_SEXPR", "CLOSE_SEXPR", "ID", "SEP", "DATA", "EQUALS", "STRING", "NUMBER", "BOOLEAN",
    "UNDEFINED", "NULL")
OPEN_BLOCK_PARAMS, CLOSE_BLOCK_PARAMS, EOF = "OPEN_BLOCK_PARAMS", "CLOSE_BLOCK_PARAMS", "EOF"
CLOSE_RAW_BLOCK = "CLOSE_RAW_BLOCK"


def _rules() -> re.Pattern[str]:
    """The <mu> rules of handlebars.js' lexer, in its order (the first that matches wins),
    as one alternation; quantifiers are possessive where the original cannot backtrack."""
    s = "[" + re.escape(_WS) + "]"
    id_chars = "[^" + re.escape(_WS) + r"!\"#%&'()*+,./;<=>@\[\\\]^`{|}~]"
    lookahead = "(?=[=~}/.)|" + re.escape(_WS) + "])"
    literal = "(?=[~})" + re.escape(_WS) + "])"
    rules = [
        ("OPEN_SEXPR", r"\("), ("CLOSE_SEXPR", r"\)"),
        ("RAW", r"\{\{\{\{"), ("CLOSE_RAW_BLOCK", r"\}\}\}\}"),
        ("OPEN_PARTIAL", r"\{\{~?>"), ("OPEN_PARTIAL_BLOCK", r"\{\{~?\#>"),
        ("DECORATOR_BLOCK", r"\{\{~?\#\*"), ("OPEN_BLOCK", r"\{\{~?\#"),
        ("OPEN_ENDBLOCK", r"\{\{~?/"),
        ("INVERSE", rf"\{{\{{~?\^{s}*+~?\}}\}}|\{{\{{~?{s}*+else{s}*+~?\}}\}}"),
        ("OPEN_INVERSE", r"\{\{~?\^"), ("OPEN_INVERSE_CHAIN", rf"\{{\{{~?{s}*+else\b"),
        ("OPEN_UNESCAPED", r"\{\{~?\{"), ("OPEN_AMP", r"\{\{~?&"),
        ("LONG_COMMENT", r"\{\{~?!--"), ("COMMENT", r"\{\{~?![\s\S]*?\}\}"),
        ("DECORATOR", r"\{\{~?\*"), ("OPEN", r"\{\{~?"),
        ("EQUALS", "="), ("DOTDOT", r"\.\."), ("DOT", r"\." + lookahead), ("SEP", "[/.]"),
        ("WS", s + "++"), ("CLOSE_UNESCAPED", r"\}~?\}\}"), ("CLOSE", r"~?\}\}"),
        ("QUOTE", "[\"']"), ("DATA", "@"),
        ("BOOLEAN", "(?:true|false)" + literal), ("UNDEFINED", "undefined" + literal),
        ("NULL", "null" + literal), ("NUMBER", r"-?[0-9]++(?:\.[0-9]++)?" + literal),
        ("OPEN_BLOCK_PARAMS", rf"as{s}++\|"), ("CLOSE_BLOCK_PARAMS", r"\|"),
        ("ID", id_chars + "++" + lookahead), ("BRACKET", r"\["),
    ]
    return re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in rules), re.ASCII)


_MU: Final = _rules()
_LONG_COMMENT_END: Final = re.compile(r"--~?\}\}")
_TOKEN_KIND: Final = {"OPEN_AMP": OPEN, "DOTDOT": ID, "DOT": ID}
_POP: Final = frozenset({INVERSE, COMMENT, CLOSE, CLOSE_UNESCAPED})  # back to content
_UNSUPPORTED: Final = {
    "RAW": "raw blocks ({{{{raw}}}}) are not supported",
    "DECORATOR_BLOCK": "decorators and inline partials ({{#* }}) are not supported",
    "DECORATOR": "decorators ({{* }}) are not supported"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _quoted_end(s: str, start: int, quote: str) -> int:
    """End of `quote(\\quote|[^quote])*quote` from `start`: the first unescaped quote, or
    else (as the regex backtracks) the last escaped one; -1 if there is none."""
    i = start + 1
    while True:
        j = s.find(quote, i)
        if j < 0:
            return s.rfind(quote, start + 1)
        if s[j - 1] != "\\" or j == start + 1:
            return j
        i = j + 1


def _line(source: str, pos: int) -> int:
    return source.count("\n", 0, pos) + 1


def _error(source: str, pos: int, message: str) -> HandlebarsError:
    return HandlebarsError(f"Parse error on line {_line(source, pos)}: {message}")


def tokenize(s: str) -> Iterator[_Tok]:
    """The handlebars.js lexer (src/handlebars.l), lazily: content (with `\\{{` escapes)
    and the tokens inside mustaches; the last token is EOF."""
    n, p = len(s), 0
    while p < n:
        q = s.find("{{", p)
        if q < 0:
            yield _Tok(CONTENT, s[p:], p)
            break
        text, escaped = s[p:q], False
        if text.endswith("\\\\"):  # \\{{: a backslash, then a mustache
            text = text[:-1]
        elif text.endswith("\\"):  # \{{: the mustache is text
            text, escaped = text[:-1], True
        if text:
            yield _Tok(CONTENT, text, p)
        p = q
        if escaped:  # <emu>: two characters at least, up to the next (escaped) mustache
            q = s.find("{{", p + 2)
            end = n if q < 0 else q - 2 if q - 2 >= p + 2 and s[q - 2:q] == "\\\\" else \
                q - 1 if q - 1 >= p + 2 and s[q - 1] == "\\" else q
            yield _Tok(CONTENT, s[p:end], p)
            p = end
            continue
        while p < n:  # <mu>
            m = _MU.match(s, p)
            if m is None:
                raise _error(s, p, f"unexpected {s[p:p + 12]!r}")
            rule = m.lastgroup
            assert rule is not None
            if rule == "WS":
                p = m.end()
                continue
            if rule in _UNSUPPORTED:
                raise _error(s, p, _UNSUPPORTED[rule])
            if rule == "LONG_COMMENT":
                found = _LONG_COMMENT_END.search(s, p)
                if found is None:
                    raise _error(s, p, "unterminated comment {{!--")
                yield _Tok(COMMENT, s[p:found.end()], p)
                p = found.end()
                break
            if rule in ("QUOTE", "BRACKET"):
                close = "]" if rule == "BRACKET" else m.group()
                end_q = _quoted_end(s, p, close)
                if end_q < 0:
                    raise _error(s, p, f"unterminated {m.group()}")
                if rule == "QUOTE":
                    yield _Tok(STRING, s[p + 1:end_q].replace("\\" + close, close), p)
                else:
                    yield _Tok(ID, re.sub(r"\\([\\\]])", r"\1", s[p:end_q + 1]), p)
                p = end_q + 1
                continue
            kind = _TOKEN_KIND.get(rule, rule)
            yield _Tok(kind, m.group(), p)
            p = m.end()
            if kind in _POP:
                break
    yield _Tok(EOF, "", n)


# -- the AST --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Strip:
    open: bool = False
    close: bool = False


_NO_STRIP: Final = Strip()
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


def _strip_flags(open_text: str, close_text: str) -> Strip:
    return Strip(open_text[2:3] == "~", close_text[-3:-2] == "~")


_LINE_BREAK: Final = re.compile("[\n\r\u2028\u2029]")


def _segment(text: str) -> str:
    """yy.id: a bracketed segment is the key between the brackets (a `.` does not cross
    line breaks there, as in JavaScript)."""
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]" and not _LINE_BREAK.search(text):
        return text[1:-1]
    return text


# -- the parser -----------------------------------------------------------------------------
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
    tok: _Tok
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


class _Parser:
    def __init__(self, source: str, max_depth: int, budget: Budget | None = None) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.ahead: deque[_Tok] = deque()
        self.max_depth = max_depth
        self.budget = budget
        self.count = 0

    def peek(self, k: int = 0) -> _Tok:
        ahead = self.ahead
        while len(ahead) <= k:
            if ahead and ahead[-1].kind == EOF:
                return ahead[-1]
            ahead.append(next(self.tokens))
        return ahead[k]

    def take(self) -> _Tok:
        tok = self.peek()
        if tok.kind != EOF:
            self.ahead.popleft()
            self.count += 1
            if self.budget is not None and not self.count & 0x3FF:
                self.budget.check_time()  # parsing a huge template is work too
        return tok

    def fail(self, tok: _Tok, message: str) -> HandlebarsError:
        return _error(self.source, tok.pos, message)

    def expect(self, kind: str) -> _Tok:
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
                body.append(Comment(_strip_flags(tok.text, tok.text)))
            elif kind in (OPEN, OPEN_UNESCAPED):
                body.append(self.mustache(tok, depth))
            elif kind == OPEN_PARTIAL:
                name, _call = self.partial_call(depth)
                close = self.expect(CLOSE)
                body.append(Partial(name, _strip_flags(tok.text, close.text)))
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
                stack.append(_Open(kind, tok, call, name, _strip_flags(tok.text, close.text),
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
                frame.segments.append(_Segment(call, _strip_flags(tok.text, close.text),
                                               Program([], call.block_params)))
            elif kind == INVERSE:
                frame = stack[-1] if stack else None
                if frame is None or frame.kind == OPEN_PARTIAL_BLOCK or frame.inverse_seen:
                    raise self.fail(tok, "unexpected {{else}}")
                frame.inverse_seen = True
                frame.segments.append(_Segment(None, _strip_flags(tok.text, tok.text),
                                               Program()))
            elif kind == OPEN_ENDBLOCK:
                if not stack:
                    raise self.fail(tok, f"{tok.text}...}} closes no block")
                frame = stack.pop()
                name = self.helper_name()
                close = self.expect(CLOSE)
                opened = _original(frame.name)
                if not isinstance(frame.name, SubExpr) and opened != _original(name):
                    raise self.fail(tok, f"{opened} doesn't match {_original(name)}")
                node = self.build(frame, _strip_flags(tok.text, close.text))
                depth -= 1 + sum(1 for seg in frame.segments if seg.call is not None)
                (stack[-1].body if stack else root.body).append(node)
            elif kind == EOF:
                if stack:
                    raise self.fail(tok, f"{_original(stack[-1].name)} is not closed")
                _Whitespace().program(root)
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
                                   nxt.strip if nxt is not None else _NO_STRIP, False)
            nxt = _Inverse(seg.strip, Program([inner], chained=True), chain=True)
        return _prepare_block(call, frame.strip, frame.program, nxt, close_strip,
                              frame.kind == OPEN_INVERSE)

    # -- inside a mustache --------------------------------------------------------------
    def mustache(self, tok: _Tok, depth: int) -> Mustache:
        call = self.call(depth)
        close = self.expect(CLOSE_UNESCAPED if tok.kind == OPEN_UNESCAPED else CLOSE)
        flag = tok.text[3:4] or tok.text[2:3]
        return Mustache(call.path, call.params, call.hash, flag not in ("{", "&"),
                        _strip_flags(tok.text, close.text))

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
                ids.append(_segment(self.take().text))
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
                pairs.append((_segment(tok.text), self.param(depth)))
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

    def path(self, first: _Tok, data: bool) -> Path:
        segments = [(first.text, "")]
        while self.peek().kind == SEP and self.peek(1).kind == ID:
            sep = self.take().text
            segments.append((self.take().text, sep))
        original = "@" if data else ""
        parts: list[str] = []
        depth = 0
        for text, sep in segments:
            part = _segment(text)
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


def _original(expr: Expr) -> str:
    return expr.original if isinstance(expr, Path | Literal) else "(subexpression)"


def _as_path(name: Path | Literal) -> Path:
    """A literal where a helper name goes is a one-segment path (transformLiteralToPath)."""
    return name if isinstance(name, Path) else Path(name.original, (name.original,))


def _prepare_block(call: _Call, open_strip: Strip, program: Program, inv: _Inverse | None,
                   close_strip: Strip, inverted: bool) -> Block:
    inverse: Program | None = None
    inverse_strip = _NO_STRIP
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


# -- whitespace control (a port of the parser's WhitespaceControl visitor) ------------------
@dataclass(slots=True)
class _StripInfo:
    open: bool = False
    close: bool = False
    open_standalone: bool = False
    close_standalone: bool = False
    inline_standalone: bool = False


def _trailing_ws(text: str) -> str:
    return text[len(text.rstrip(_WS)):]


def _leading_ws(text: str) -> str:
    return text[:len(text) - len(text.lstrip(_WS))]


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
        current.value = original.lstrip(_WS)
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
    current.value = original.rstrip(_WS) if multiple else original.rstrip(" \t")
    current.left_stripped = current.value != original
    return current.left_stripped


class _Whitespace:
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
            inverse_strip = _NO_STRIP
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


# -- parsing, cached -----------------------------------------------------------------------
_CACHE_MAX_SOURCE: Final = 256 * 1024  # larger templates are parsed per render, not kept


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: render it as often as needed (it is never changed by a render)."""

    program: Program

    def render(self, context: Any, *, budget: Budget,
               helpers: Mapping[str, Helper] | None = None,
               env: Mapping[str, Any] | None = None) -> str:
        run = _Run(budget, helpers if helpers is not None else _NO_HELPERS,
                   env if env is not None else _NO_ENV)
        out: list[str] = []
        run.program(self.program, _Ctx(context, None), _Data({"root": context}, None), None,
                    out)
        return "".join(out)


class _Cache:
    """Parsed templates by (source, depth limit), least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, int], Template] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> Template | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int], template: Template) -> None:
        with self.lock:
            self.items[key] = template
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_CACHE: Final = _Cache(512)


def parse(source: str, max_depth: int = DEFAULT_LIMITS.depth,
          budget: Budget | None = None) -> Template:
    """Parse once per source (cached); raises HandlebarsError, or RenderLimitError when the
    source nests blocks and subexpressions deeper than `max_depth` (or, given a budget,
    when parsing takes longer than its time)."""
    key = (source, max_depth)
    template = _CACHE.get(key)
    if template is None:
        template = Template(_Parser(source, max_depth, budget).parse())
        if len(source) <= _CACHE_MAX_SOURCE:
            _CACHE.put(key, template)
    return template


def render(source: str, context: Any, *, budget: Budget,
           helpers: Mapping[str, Helper] | None = None,
           env: Mapping[str, Any] | None = None) -> str:
    """Parse (cached) and render `source` with `context` under `budget`."""
    try:
        template = parse(source, budget.limits.depth, budget)
        return template.render(context, budget=budget, helpers=helpers, env=env)
    except (HandlebarsError, RenderLimitError):
        raise
    except (ArithmeticError, LookupError, RecursionError, TypeError, ValueError) as exc:
        raise HandlebarsError(f"template error: {exc}") from exc  # never a crash for input


# -- evaluation -----------------------------------------------------------------------------
class _Ctx:
    """The context stack (handlebars' `depths`): `../` walks `parent`."""

    __slots__ = ("value", "parent")

    def __init__(self, value: Any, parent: _Ctx | None) -> None:
        self.value, self.parent = value, parent


class _Data:
    """An @data frame (`@index`, `@root`, ...); `@../x` walks `parent`."""

    __slots__ = ("values", "parent")

    def __init__(self, values: dict[str, Any], parent: _Data | None) -> None:
        self.values, self.parent = values, parent


class _Params:
    """Block parameters in scope (`as |item index|`), innermost first."""

    __slots__ = ("names", "values", "parent")

    def __init__(self, names: tuple[str, ...], values: tuple[Any, ...],
                 parent: _Params | None) -> None:
        self.names, self.values, self.parent = names, values, parent

    def find(self, name: str) -> tuple[bool, Any]:
        scope: _Params | None = self
        while scope is not None:
            if name in scope.names:
                i = scope.names.index(name)
                return True, scope.values[i] if i < len(scope.values) else None
            scope = scope.parent
        return False, None


_SAME: Final[Any] = object()


def _same(a: Any, b: Any) -> bool:
    """`context == depths[0]` in handlebars: identity for containers, equality otherwise."""
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return a is b
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover - data compares
        return False


class Options:
    """What a custom helper gets (see the module docstring for the convention)."""

    __slots__ = ("name", "args", "hash", "this", "env", "_run", "_block", "_ctx", "_data",
                 "_params", "_produced")

    def __init__(self, name: str, args: tuple[Any, ...], hash_: dict[str, Any], run: _Run,
                 block: Block | None, ctx: _Ctx, data: _Data, params: _Params | None) -> None:
        self.name, self.args, self.hash = name, args, hash_
        self.this: Any = ctx.value
        self.env: Mapping[str, Any] = run.env
        self._run, self._block, self._ctx, self._data, self._params = (
            run, block, ctx, data, params)
        self._produced = 0

    @property
    def limits(self) -> Limits:
        """The render's limits, for a helper that could make a value too big to keep."""
        return self._run.budget.limits

    @property
    def block(self) -> bool:
        """Called as a block (`{{#name}}...{{/name}}`)."""
        return self._block is not None

    def arg(self, index: int, default: Any = None) -> Any:
        return self.args[index] if 0 <= index < len(self.args) else default

    def fn(self, context: Any = _SAME) -> str:
        """Render the block's main part with `context` (the current one by default)."""
        return self._render(self._block.program if self._block else None, context)

    def inverse(self, context: Any = _SAME) -> str:
        """Render the block's `{{else}}` part with `context` (the current one by default)."""
        return self._render(self._block.inverse if self._block else None, context)

    def _render(self, program: Program | None, context: Any) -> str:
        if program is None:
            return ""
        ctx = self._ctx if context is _SAME else self._run.enter(self._ctx, context)
        out: list[str] = []
        self._run.run(program, ctx, self._data, self._params, out)
        text = "".join(out)
        self._produced += len(text)
        return text


Helper = Callable[[Options], Any]
_NO_HELPERS: Final[Mapping[str, Helper]] = MappingProxyType({})
_NO_ENV: Final[Mapping[str, Any]] = MappingProxyType({})
_BLOCK_BUILTINS: Final = frozenset({"if", "unless", "with", "each"})
_VALUE_BUILTINS: Final = frozenset({"lookup", "log"})
BUILTINS: Final = _BLOCK_BUILTINS | _VALUE_BUILTINS
_HELPER_NAME: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def helpers(table: Mapping[str, Helper]) -> Mapping[str, Helper]:
    """A read-only helper table; refuses built-in names and names a template cannot call."""
    for name, fn in table.items():
        if name in BUILTINS:
            raise ValueError(f"{name!r} is a built-in helper")
        reserved = name in ("true", "false", "null", "undefined")
        if reserved or not _HELPER_NAME.fullmatch(name) or not callable(fn):
            raise ValueError(f"{name!r} cannot be a helper")
    return MappingProxyType(dict(table))


class _Run:
    """One render: the budget, the helper table, the nesting depth."""

    __slots__ = ("budget", "helpers", "env", "depth", "max_depth")

    def __init__(self, budget: Budget, helpers: Mapping[str, Helper],
                 env: Mapping[str, Any]) -> None:
        self.budget, self.helpers, self.env = budget, helpers, env
        self.depth = 0
        self.max_depth = budget.limits.depth

    # -- output ------------------------------------------------------------------------
    def write(self, out: list[str], text: str, counted: int = 0) -> None:
        if text:
            self.budget.emit(max(0, len(text) - counted))
            out.append(text)

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise RenderLimitError(f"template nesting exceeded {self.max_depth} levels")

    def enter(self, ctx: _Ctx, context: Any) -> _Ctx:
        return ctx if _same(context, ctx.value) else _Ctx(context, ctx)

    # -- statements --------------------------------------------------------------------
    def run(self, program: Program | None, ctx: _Ctx, data: _Data, params: _Params | None,
            out: list[str], values: tuple[Any, ...] = ()) -> None:
        """A block's program, one level deeper, with its block parameters bound."""
        if program is None:
            return
        self.deeper()
        try:
            if program.block_params:
                params = _Params(program.block_params, values, params)
            self.program(program, ctx, data, params, out)
        finally:
            self.depth -= 1

    def program(self, program: Program, ctx: _Ctx, data: _Data, params: _Params | None,
                out: list[str]) -> None:
        step = self.budget.step
        for node in program.body:
            step()
            if isinstance(node, Content):
                self.write(out, node.value)
            elif isinstance(node, Mustache):
                value = self.call(node.path, node.params, node.hash, ctx, data, params,
                                  sexpr=False)
                self.write(out, _escape(value) if node.escaped else js_str(value))
            elif isinstance(node, Block):
                self.block(node, ctx, data, params, out)
            elif isinstance(node, Partial):
                name = js_str(self.value(node.name, ctx, data, params)) \
                    if isinstance(node.name, SubExpr) else _original(node.name)
                raise HandlebarsError(f"The partial {name} could not be found")
            elif isinstance(node, PartialBlock):
                self.partial_block(node, ctx, data, params, out)
            # Comment: nothing

    def partial_block(self, node: PartialBlock, ctx: _Ctx, data: _Data,
                      params: _Params | None, out: list[str]) -> None:
        """No partial exists, so the block is the fallback (`partial = options.fn`)."""
        if isinstance(node.name, SubExpr):
            self.value(node.name, ctx, data, params)
        context = self.value(node.params[0], ctx, data, params) if node.params else ctx.value
        if node.hash is not None:
            base = context if isinstance(context, dict) else {}
            context = {**base, **self.hash(node.hash, ctx, data, params)}
        self.run(node.program, self.enter(ctx, context), data, params, out)

    def block(self, node: Block, ctx: _Ctx, data: _Data, params: _Params | None,
              out: list[str]) -> None:
        path = node.path
        has_args = bool(node.params) or node.hash is not None
        simple = path.simple
        if simple and params is not None and params.find(path.parts[0])[0]:
            simple = has_args = False  # a block parameter: a value, never a helper
        if has_args or simple:
            name = path.parts[0] if simple else None
            if name in _BLOCK_BUILTINS:
                args = tuple(self.value(p, ctx, data, params) for p in node.params)
                hash_ = self.hash(node.hash, ctx, data, params)
                if name == "each":
                    if not args:
                        raise HandlebarsError("Must pass iterator to #each")
                    self.each(node, args[0], ctx, data, params, out)
                elif name == "with":
                    self.with_(node, args, ctx, data, params, out)
                else:
                    self.if_(node, args, hash_, ctx, data, params, out, name == "unless")
                return
            if name is not None and (name in _VALUE_BUILTINS or name in self.helpers):
                opts = self.options(name, node, ctx, data, params)
                result = self.invoke(name, opts)
                self.write(out, js_str(result), opts._produced)
                return
            if has_args:
                self.missing(path, node.params, node.hash, ctx, data, params)
                return
        value = self.lookup(path, ctx, data, params)
        # blockHelperMissing
        if value is True:
            self.run(node.program, ctx, data, params, out)
        elif value is False or value is None:
            self.run(node.inverse, ctx, data, params, out)
        elif isinstance(value, list):
            self.each(node, value, ctx, data, params, out)
        else:  # fn(context): no block parameters are passed
            self.run(node.program, self.enter(ctx, value), data, params, out)

    # -- the built-in blocks -----------------------------------------------------------
    def if_(self, node: Block, args: tuple[Any, ...], hash_: dict[str, Any], ctx: _Ctx,
            data: _Data, params: _Params | None, out: list[str], negate: bool) -> None:
        if len(args) != 1:
            raise HandlebarsError(f"#{'unless' if negate else 'if'} requires exactly one "
                                  "argument")
        cond = args[0]
        falsy = (not truthy(hash_.get("includeZero")) and not truthy(cond)) or _is_empty(cond)
        chosen = node.program if falsy == negate else node.inverse
        self.run(chosen, ctx, data, params, out)

    def with_(self, node: Block, args: tuple[Any, ...], ctx: _Ctx, data: _Data,
              params: _Params | None, out: list[str]) -> None:
        if len(args) != 1:
            raise HandlebarsError("#with requires exactly one argument")
        value = args[0]
        if _is_empty(value):
            self.run(node.inverse, ctx, data, params, out)
        else:
            self.run(node.program, self.enter(ctx, value), data, params, out, (value,))

    def each(self, node: Block, target: Any, ctx: _Ctx, data: _Data, params: _Params | None,
             out: list[str]) -> None:
        count = 0
        if isinstance(target, list | dict) and node.program is not None:
            frame = _Data(dict(data.values), data)
            values = frame.values
            if isinstance(target, list):
                keys: list[Any] = list(range(len(target)))
            else:
                keys = _js_keys(target)
            last = len(keys) - 1
            for i, key in enumerate(keys):
                self.budget.step()
                item = _data(list.__getitem__(target, key) if isinstance(target, list)
                             else dict.get(target, key))
                values["key"], values["index"] = key, i
                values["first"], values["last"] = i == 0, i == last
                self.run(node.program, self.enter(ctx, item), frame, params, out, (item, key))
                count += 1
        elif isinstance(target, list | dict):
            count = len(target)
        if count == 0:
            self.run(node.inverse, ctx, data, params, out)

    # -- expressions -------------------------------------------------------------------
    def call(self, path: Path, params_: tuple[Expr, ...],
             hash_: tuple[tuple[str, Expr], ...] | None, ctx: _Ctx, data: _Data,
             params: _Params | None, *, sexpr: bool) -> Any:
        """A mustache or a subexpression: a helper call, or else a value lookup."""
        helper_call = sexpr or bool(params_) or hash_ is not None
        simple = path.simple
        if simple and params is not None and params.find(path.parts[0])[0]:
            return self.lookup(path, ctx, data, params)
        if helper_call or simple:
            name = path.parts[0] if simple else None
            if name in _BLOCK_BUILTINS:
                raise HandlebarsError(f"#{name} is a block helper: use {{{{#{name}}}}}")
            if name is not None and (name in _VALUE_BUILTINS or name in self.helpers):
                node = SubExpr(path, params_, hash_)
                return self.invoke(name, self.options(name, node, ctx, data, params))
            if helper_call:
                return self.missing(path, params_, hash_, ctx, data, params)
        return self.lookup(path, ctx, data, params)

    def missing(self, path: Path, params_: tuple[Expr, ...],
                hash_: tuple[tuple[str, Expr], ...] | None, ctx: _Ctx, data: _Data,
                params: _Params | None) -> None:
        """A call of no helper (helperMissing): an error when it has positional arguments
        or names a value (which is not a function), else undefined."""
        for p in params_:
            self.value(p, ctx, data, params)
        self.hash(hash_, ctx, data, params)
        if truthy(self.lookup(path, ctx, data, params)):
            raise HandlebarsError(f'"{path.original}" is not a helper')
        if params_:
            raise HandlebarsError(f'Missing helper: "{path.original}"')
        return None

    def options(self, name: str, node: Block | SubExpr, ctx: _Ctx, data: _Data,
                params: _Params | None) -> Options:
        args = tuple(self.value(p, ctx, data, params) for p in node.params)
        hash_ = self.hash(node.hash, ctx, data, params)
        return Options(name, args, hash_, self, node if isinstance(node, Block) else None,
                       ctx, data, params)

    def invoke(self, name: str, opts: Options) -> Any:
        self.budget.step()
        if name == "log":
            return None
        if name == "lookup":
            obj = opts.arg(0)
            return obj if not truthy(obj) else get(obj, opts.arg(1))
        try:
            result = self.helpers[name](opts)
        except (HandlebarsError, RenderLimitError):
            raise
        except Exception as exc:
            raise HandlebarsError(f'helper "{name}" failed: {exc}') from exc
        if isinstance(result, str) and len(result) > self.budget.limits.output:
            raise RenderLimitError(
                f"template output exceeded {self.budget.limits.output:,} characters")
        return _data(result)

    def hash(self, pairs: tuple[tuple[str, Expr], ...] | None, ctx: _Ctx, data: _Data,
             params: _Params | None) -> dict[str, Any]:
        if not pairs:
            return {}
        return {key: self.value(expr, ctx, data, params) for key, expr in pairs}

    def value(self, expr: Expr, ctx: _Ctx, data: _Data, params: _Params | None) -> Any:
        if isinstance(expr, Literal):
            return expr.value
        if isinstance(expr, Path):
            return self.lookup(expr, ctx, data, params)
        self.budget.step()
        self.deeper()
        try:
            return self.call(expr.path, expr.params, expr.hash, ctx, data, params, sexpr=True)
        finally:
            self.depth -= 1

    def lookup(self, path: Path, ctx: _Ctx, data: _Data, params: _Params | None) -> Any:
        parts = path.parts
        value: Any
        if path.data:
            frame: _Data | None = data
            for _ in range(path.depth):
                frame = frame.parent if frame is not None else None
            if frame is None or not parts:
                return None
            value, rest = _data(frame.values.get(parts[0])), parts[1:]
        else:
            rest = parts
            found = False
            if params is not None and parts and not path.depth and not path.scoped:
                found, value = params.find(parts[0])
                if found:
                    value, rest = _data(value), parts[1:]
            if not found:
                scope: _Ctx | None = ctx
                for _ in range(path.depth):
                    scope = scope.parent if scope is not None else None
                value = _data(scope.value) if scope is not None else None
        for part in rest:
            if value is None:
                return None
            value = get(value, part)
        return value
