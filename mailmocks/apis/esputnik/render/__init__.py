"""Apache Velocity, as eSputnik renders prepared messages: a small sandboxed interpreter.

Templates see `$data` (the recipient's `jsonParam`) as Java would: strings have `equals`,
`equalsIgnoreCase`, `length`, `isEmpty`...; lists `get(i)`, `size()`, `isEmpty()`; maps
`get(key)` (and `$map.key`), `containsKey`, `keySet`, `size()`. Booleans print `true`/`false`
and `null` is a missing reference, so `$!x` prints nothing and `$x` prints itself, like
Velocity. Profile merge tags (`%FIRSTNAME%`) are not Velocity and are replaced separately.

Why an interpreter of our own: the template is user input. It is parsed into a tree once
(`compile_template`, cached per source) and walked by `evaluate.Eval`, which never looks anything up
on a Python object: values are plain JSON values (str, int, float, bool, None, list, dict)
plus the ranges and loop scopes the template makes, and a member is found only in the
`values.METHODS` / `values.property_of` tables, keyed by the Java type the value stands for. No name
beginning with `_` resolves (variables, properties, methods), nothing is ever called that is
not in those tables, and no value is ever changed in place: `$data` is read-only, `#set` binds
names in the render's own context. So template text and data stay data.

Supported: `$ref`, `$!ref`, `${ref}`, `$!{ref}`, `${ref|'alternate'}`, `$a.b.c`, `$a.m(args)`,
`$a[i]`; `#set`, `#if/#elseif/#else/#end`, `#foreach` (`$foreach.index/count/hasNext/first/
last`, `$velocityCount`, `$velocityHasNext`), `#break`, `#stop`, `#macro` and `#name(args)`
calls, `##` and `#* *#` comments, `#[[ unparsed ]]#`, `\\$` / `\\#` escapes, `[1..n]` ranges,
`[a, b]` lists, `{"k": v}` maps, `"interpolated $strings"`, `'plain strings'`, arithmetic
`+ - * / %`, comparisons `== != < > <= >=` (and `eq ne lt gt le ge`), `&& || !` (and `and or
not`). Directives and macro names are case-sensitive, as in Velocity, and may be braced
(`#{else}`); whitespace after `#if(...)`, `#end`, `#set(...)` and comments is eaten up to the
end of the line as airspeed (the engine this replaced) did.

Where airspeed differed from Velocity, this follows Velocity: values print as Java prints them
(`true`, `[a, b]`, `{k=v}`, `1.0E20`, not Python's `True`, `['a', 'b']`); `#foreach` over a map
iterates its values, over a string or number not at all; `#set` inside a loop or macro stays
set after it; `==` compares numbers by value and different types by their text (`1 == '1'`);
`&&`/`||` short-circuit; integer `/` and `%` truncate toward zero; a macro is called only
after its `#macro` (before it, `#name(...)` is text, as is any `#word` that is no directive).

Not available, by decision: `#include` and `#parse` (eSputnik gives templates no resource
loader: a real send of such a template fails, as ours does), `#evaluate` and `#define` (they
turn text into template code at render time). They parse, so a message holding one can be
saved as before, and rendering it raises `VelocityError`, which fails the send. There are no
mutating methods (`add`, `put`, ...), no regular-expression methods (`matches`, `replaceAll`,
`split`: a pattern from a template could backtrack without end), no `#set($a.b = ...)`.

Bounded: every evaluated node, `#foreach` iteration, method call and `#set` takes a
`Budget.step()`, output goes through `Budget.emit()`, and no string built while rendering may
be longer than the output limit (checked before it is built). Nesting (blocks, macro calls,
interpolated strings) is limited by `budget.limits.depth`; the parser refuses source nested
deeper than `MAX_NESTING` or with more than `MAX_NODES` elements, without recursing further.
Ranges are lazy: `[1..2000000]` allocates nothing. Over budget raises `RenderLimitError`.

Modules: `values` (Java-like values and the member tables), `nodes` (the tree), `expressions`
and `parse` (the parser), `evaluate` (one render's context and Java semantics).
"""
from __future__ import annotations

import functools
import re
from typing import Any

from ....core import Budget, RenderLimitError
from .evaluate import Eval, Out
from .expressions import MAX_NESTING, MAX_NODES, Counter
from .nodes import Template
from .parse import Parser
from .values import Break, Stop, VelocityError

__all__ = ["MAX_NESTING", "MAX_NODES", "Template", "VelocityError", "check", "compile_template",
           "merge_tags", "render"]


@functools.lru_cache(maxsize=512)
def compile_template(source: str) -> Template:
    """Parse once per source; raises VelocityError for a template that is not valid."""
    try:
        return Template(Parser(source, 0, Counter()).template(), source)
    except RecursionError:  # not expected within MAX_NESTING; never a traceback to a client
        raise VelocityError("Velocity syntax error: the template is nested too deeply") from None


def check(source: str) -> None:
    """Raise VelocityError when `source` is not a valid Velocity template."""
    compile_template(source)


def render(source: str, data: dict[str, Any], budget: Budget | None = None) -> str:
    """Render `source` with `$data`; VelocityError if it is not valid or fails to render,
    RenderLimitError when it goes over `budget` (a fresh default Budget when not given)."""
    template = compile_template(source)
    budget = budget if budget is not None else Budget()
    ev = Eval({"data": data}, budget)
    out = Out(ev, root=True)
    try:
        for node in template.body:
            node.run(ev, out)
    except (Stop, Break):
        pass
    except RecursionError:
        raise RenderLimitError(
            f"template nesting exceeded {budget.limits.depth} levels") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        if isinstance(exc, VelocityError):
            raise VelocityError(f"Velocity rendering failed: {exc}") from None
        raise VelocityError(f"Velocity rendering failed: {type(exc).__name__}") from None
    return "".join(out.parts)


MERGE_TAG = re.compile(r"%([A-Z_]+(?:\.[A-Z_]+)?)%")


def merge_tags(text: str, values: dict[str, str]) -> str:
    """Replace profile placeholders such as `%FIRSTNAME%`; unknown ones become empty."""
    return MERGE_TAG.sub(lambda m: values.get(m.group(1), ""), text)
