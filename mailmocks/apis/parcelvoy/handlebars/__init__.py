"""Handlebars 4.7, interpreted: a tokenizer, a parser to an AST and an evaluator that walks it.

The Parcelvoy fake renders stored templates, which are user input, so this engine is built to
be inert: it never compiles a template to Python source and never calls eval/exec. Variable
lookup is a dict key or a list index and nothing else (no getattr anywhere, so `__class__`,
`__dict__` or `__globals__` are plain keys that are missing); a bracketed segment `[weird key]`
is just a key name; a value that is not dict, list, str, number, bool or None reads as empty.
A name in a template reaches Python code only through the built-in helpers (evaluate.py) or
the helper table the caller passes in. Every render runs under a `core.render.Budget`: one step
per node and per loop iteration, every written chunk counted, nesting capped at
`limits.depth` (already when parsing, without recursion, so 10,000 nested blocks or
parentheses are refused cheaply).

The modules: values.py (JavaScript values, `get`), lexer.py, nodes.py (the AST), parser.py,
whitespace.py (`~` and standalone lines), evaluate.py (the walk, `Options`, `helpers`); this
one holds the cached `parse` and `render`.

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

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ....core import Budget, Limits, RenderLimitError
from .evaluate import BUILTINS, Helper, Options, helpers, render_program
from .nodes import Program
from .parser import Parser
from .values import HandlebarsError, SafeString, get, js_str, truthy

__all__ = ["BUILTINS", "HandlebarsError", "Helper", "Options", "SafeString", "Template", "get",
           "helpers", "js_str", "parse", "render", "truthy"]

_DEPTH: Final = Limits().depth  # the default nesting limit (core's default Limits)
_CACHE_MAX_SOURCE: Final = 256 * 1024  # larger templates are parsed per render, not kept


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: render it as often as needed (it is never changed by a render)."""

    program: Program

    def render(self, context: Any, *, budget: Budget,
               helpers: Mapping[str, Helper] | None = None,
               env: Mapping[str, Any] | None = None) -> str:
        return render_program(self.program, context, budget, helpers, env)


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


def parse(source: str, max_depth: int = _DEPTH,
          budget: Budget | None = None) -> Template:
    """Parse once per source (cached); raises HandlebarsError, or RenderLimitError when the
    source nests blocks and subexpressions deeper than `max_depth` (or, given a budget,
    when parsing takes longer than its time)."""
    key = (source, max_depth)
    template = _CACHE.get(key)
    if template is None:
        template = Template(Parser(source, max_depth, budget).parse())
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
