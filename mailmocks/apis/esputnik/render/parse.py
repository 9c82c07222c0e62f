"""The template parser: text, comments, escapes, references and directives into a tree."""
from __future__ import annotations

import re
from collections.abc import Callable

from .expressions import NAME, WS, ExpressionParser
from .nodes import (
    Block,
    Expr,
    Foreach,
    If,
    Jump,
    Macro,
    MacroCall,
    Node,
    Set,
    Text,
    Unavailable,
)

_TEXT = re.compile(r"[^$#\\]+")
_DIRECTIVE = re.compile(r"#(?:\{([A-Za-z]+)\}|([A-Za-z][A-Za-z0-9_]*))")
_EOL = re.compile(r"[ \t\r]*\n")
_SET_EOL = re.compile(r"[ \t]*\r?\n")
_MACRO_ARG = re.compile(r"[,\s]+\$([A-Za-z][A-Za-z0-9_]*)")
_SET_TARGET = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_LOOP_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s+in\b")
_VAR = re.compile(r"\$[A-Za-z][A-Za-z0-9_]*")
_RESERVED = {"if", "else", "elseif", "end", "set", "foreach", "macro", "include", "parse",
             "evaluate", "define", "stop", "break"}


class Parser(ExpressionParser):
    """A whole template: text, comments, escapes, references, directives and macro calls."""

    # blocks
    def template(self) -> Block:
        body, end = self.block()
        if end != "eof":
            self.fail("text, a reference or a directive (this #" + end + " closes nothing)")
        return body

    def block(self) -> tuple[Block, str]:
        """Nodes up to the end of the source or a #end / #else / #elseif, which it eats."""
        nodes: list[Node] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                nodes.append(Text("".join(text)))
                text.clear()
                self.count()

        def add(node: Node) -> None:
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

    def hash(self, add: Callable[[Node], None], text: list[str]) -> str | None:
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
                self.match(WS)
            return name
        directive = _DIRECTIVES.get(name)
        if directive is not None:
            self.pos = after
            node = directive(self)
            if node is None:  # `#if` / `#set` not followed by `(`: text, as airspeed had it
                self.pos = start + 1
                text.append("#")
            elif not isinstance(node, Macro):
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
    def _condition(self) -> Expr:
        self.need("(", "( after #if / #elseif")
        self.enter()
        condition = self.expression()
        self.leave()
        self.need(")", ") closing the condition")
        self.match(_EOL)
        return condition

    def d_if(self) -> Node | None:
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
        return If(tuple(branches), otherwise)

    def d_set(self) -> Node | None:
        if not self.src.startswith("(", self.ws(self.pos)):
            return None
        self.need("(")
        self.match(WS)
        m = self.match(_SET_TARGET)
        if not m:
            self.fail("a $name to set")
        self.need("=", "= in #set")
        self.enter()
        value = self.expression()
        self.leave()
        self.need(")", ") closing #set")
        self.match(_SET_EOL)
        return Set(m.group(1), value)

    def d_foreach(self) -> Node:
        self.need("(", "( after #foreach")
        self.match(WS)
        m = self.match(_LOOP_VAR)
        if not m:
            self.fail("$name in")
        self.match(WS)
        self.enter()
        items = self.expression()
        self.need(")", ") closing #foreach")
        body, end = self.block()
        if end != "end":
            self.fail("#end closing #foreach")
        self.leave()
        return Foreach(m.group(1), items, body)

    def d_macro(self) -> Macro:
        self.need("(", "( after #macro")
        self.match(WS)
        m = self.match(NAME)
        if not m or m.group() in _RESERVED:
            self.fail("a macro name that is not a directive")
        params = []
        while arg := self.match(_MACRO_ARG):
            params.append(arg.group(1))
        self.need(")", ") or a $parameter")
        self.match(_EOL)
        macro = Macro(m.group(), tuple(params))
        self.shared.macros[macro.name] = macro  # before the body: a macro may call itself
        self.enter()
        macro.body, end = self.block()
        if end != "end":
            self.fail("#end closing #macro")
        self.leave()
        return macro

    def d_define(self) -> Node:
        self.need("(", "( after #define")
        self.match(WS)
        if not self.match(_VAR):
            self.fail("a $name to define")
        self.need(")", ") closing #define")
        self.match(_EOL)
        self.enter()
        _, end = self.block()  # parsed, so the template's structure is checked; never run
        if end != "end":
            self.fail("#end closing #define")
        self.leave()
        return Unavailable("define")

    def _unavailable(self, directive: str) -> Node:
        self.need("(", f"( after #{directive}")
        self.enter()
        self.expression()
        self.leave()
        self.need(")", f") closing #{directive}")
        return Unavailable(directive)

    def d_include(self) -> Node:
        return self._unavailable("include")

    def d_parse(self) -> Node:
        return self._unavailable("parse")

    def d_evaluate(self) -> Node:
        return self._unavailable("evaluate")

    def d_stop(self) -> Node:
        return Jump(stop=True)

    def d_break(self) -> Node:
        save = self.pos
        if self.eat("("):  # #break($foreach): the scope is always the innermost one
            self.match(WS)
            if not self.match(_VAR) or not self.eat(")"):
                self.pos = save
        return Jump(stop=False)

    def macro_call(self, macro: Macro) -> Node:
        self.need("(")
        args: list[Expr] = []
        self.enter()
        while not self.eat(")"):
            if args:
                self.eat(",")
            self.match(WS)
            if self.pos >= len(self.src):
                self.fail(f") closing #{macro.name}(")
            args.append(self.unary())
        self.leave()
        return MacroCall(macro, tuple(args))


_DIRECTIVES: dict[str, Callable[[Parser], Node | Macro | None]] = {
    "if": Parser.d_if, "set": Parser.d_set, "foreach": Parser.d_foreach,
    "macro": Parser.d_macro, "define": Parser.d_define, "include": Parser.d_include,
    "parse": Parser.d_parse, "evaluate": Parser.d_evaluate, "stop": Parser.d_stop,
    "break": Parser.d_break,
}
