"""The evaluator: walks a parsed program against the context, under the render's budget.

The built-in helpers (if, unless, with, each, lookup, log) are here; every other helper comes
from the caller's table and gets an `Options`."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from ....core import Budget, Limits, RenderLimitError
from .nodes import (
    Block,
    Content,
    Expr,
    Literal,
    Mustache,
    Partial,
    PartialBlock,
    Path,
    Program,
    SubExpr,
    original_of,
)
from .values import (
    HandlebarsError,
    as_data,
    escape,
    get,
    is_empty,
    js_keys,
    js_str,
    truthy,
)


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
    """What a custom helper gets (the convention is in the package docstring)."""

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
                self.write(out, escape(value) if node.escaped else js_str(value))
            elif isinstance(node, Block):
                self.block(node, ctx, data, params, out)
            elif isinstance(node, Partial):
                name = js_str(self.value(node.name, ctx, data, params)) \
                    if isinstance(node.name, SubExpr) else original_of(node.name)
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
        falsy = (not truthy(hash_.get("includeZero")) and not truthy(cond)) or is_empty(cond)
        chosen = node.program if falsy == negate else node.inverse
        self.run(chosen, ctx, data, params, out)

    def with_(self, node: Block, args: tuple[Any, ...], ctx: _Ctx, data: _Data,
              params: _Params | None, out: list[str]) -> None:
        if len(args) != 1:
            raise HandlebarsError("#with requires exactly one argument")
        value = args[0]
        if is_empty(value):
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
                keys = js_keys(target)
            last = len(keys) - 1
            for i, key in enumerate(keys):
                self.budget.step()
                item = as_data(list.__getitem__(target, key) if isinstance(target, list)
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
        return as_data(result)

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
            value, rest = as_data(frame.values.get(parts[0])), parts[1:]
        else:
            rest = parts
            found = False
            if params is not None and parts and not path.depth and not path.scoped:
                found, value = params.find(parts[0])
                if found:
                    value, rest = as_data(value), parts[1:]
            if not found:
                scope: _Ctx | None = ctx
                for _ in range(path.depth):
                    scope = scope.parent if scope is not None else None
                value = as_data(scope.value) if scope is not None else None
        for part in rest:
            if value is None:
                return None
            value = get(value, part)
        return value


def render_program(program: Program, context: Any, budget: Budget,
                   helpers: Mapping[str, Helper] | None = None,
                   env: Mapping[str, Any] | None = None) -> str:
    """Render a parsed program with `context` as its root (the parse is never changed)."""
    run = _Run(budget, helpers if helpers is not None else _NO_HELPERS,
               env if env is not None else _NO_ENV)
    out: list[str] = []
    run.program(program, _Ctx(context, None), _Data({"root": context}, None), None, out)
    return "".join(out)
