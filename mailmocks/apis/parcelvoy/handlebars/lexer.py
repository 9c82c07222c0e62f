"""The handlebars.js lexer (src/handlebars.l): template text in, tokens out, lazily."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from .values import WS, HandlebarsError

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
    s = "[" + re.escape(WS) + "]"
    id_chars = "[^" + re.escape(WS) + r"!\"#%&'()*+,./;<=>@\[\\\]^`{|}~]"
    lookahead = "(?=[=~}/.)|" + re.escape(WS) + "])"
    literal = "(?=[~})" + re.escape(WS) + "])"
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
class Token:
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


def parse_error(source: str, pos: int, message: str) -> HandlebarsError:
    return HandlebarsError(f"Parse error on line {_line(source, pos)}: {message}")


def tokenize(s: str) -> Iterator[Token]:
    """The handlebars.js lexer (src/handlebars.l), lazily: content (with `\\{{` escapes)
    and the tokens inside mustaches; the last token is EOF."""
    n, p = len(s), 0
    while p < n:
        q = s.find("{{", p)
        if q < 0:
            yield Token(CONTENT, s[p:], p)
            break
        text, escaped = s[p:q], False
        if text.endswith("\\\\"):  # \\{{: a backslash, then a mustache
            text = text[:-1]
        elif text.endswith("\\"):  # \{{: the mustache is text
            text, escaped = text[:-1], True
        if text:
            yield Token(CONTENT, text, p)
        p = q
        if escaped:  # <emu>: two characters at least, up to the next (escaped) mustache
            q = s.find("{{", p + 2)
            end = n if q < 0 else q - 2 if q - 2 >= p + 2 and s[q - 2:q] == "\\\\" else \
                q - 1 if q - 1 >= p + 2 and s[q - 1] == "\\" else q
            yield Token(CONTENT, s[p:end], p)
            p = end
            continue
        while p < n:  # <mu>
            m = _MU.match(s, p)
            if m is None:
                raise parse_error(s, p, f"unexpected {s[p:p + 12]!r}")
            rule = m.lastgroup
            assert rule is not None
            if rule == "WS":
                p = m.end()
                continue
            if rule in _UNSUPPORTED:
                raise parse_error(s, p, _UNSUPPORTED[rule])
            if rule == "LONG_COMMENT":
                found = _LONG_COMMENT_END.search(s, p)
                if found is None:
                    raise parse_error(s, p, "unterminated comment {{!--")
                yield Token(COMMENT, s[p:found.end()], p)
                p = found.end()
                break
            if rule in ("QUOTE", "BRACKET"):
                close = "]" if rule == "BRACKET" else m.group()
                end_q = _quoted_end(s, p, close)
                if end_q < 0:
                    raise parse_error(s, p, f"unterminated {m.group()}")
                if rule == "QUOTE":
                    yield Token(STRING, s[p + 1:end_q].replace("\\" + close, close), p)
                else:
                    yield Token(ID, re.sub(r"\\([\\\]])", r"\1", s[p:end_q + 1]), p)
                p = end_q + 1
                continue
            kind = _TOKEN_KIND.get(rule, rule)
            yield Token(kind, m.group(), p)
            p = m.end()
            if kind in _POP:
                break
    yield Token(EOF, "", n)
