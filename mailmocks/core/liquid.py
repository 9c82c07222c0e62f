"""Liquid, bounded: the template language of more than one vendor, as data, never code.

python-liquid resolves `a.b` by item lookup only, so a template sees nothing but the plain
data it is given, and the default loader has no templates, so `include` reads no file. Every
render spends a `Budget` (loop iterations, in sequence and nested, output size, wall time):
python-liquid calls `raise_for_loop_limit` on each loop, and our context spends the budget of
the render running on that thread, which `render_each` sets for each recipient.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import liquid
from liquid import BoundTemplate, RenderContext

from .render import Budget, Limits, RenderLimitError

LIMITS = Limits()
_budget = threading.local()  # the Budget of the render running on this thread


class _BudgetedContext(RenderContext):
    def raise_for_loop_limit(self, length: int = 1) -> None:
        super().raise_for_loop_limit(length)  # nested loops, by their product
        budget: Budget | None = getattr(_budget, "budget", None)
        if budget is not None:  # every loop, in sequence too, spends the same budget
            budget.step(length)


class _BudgetedTemplate(BoundTemplate):
    context_class = _BudgetedContext


class BoundedLiquid(liquid.Environment):
    """Liquid with the work limits of `Budget`: a runaway loop or output stops the render."""

    template_class = _BudgetedTemplate
    loop_iteration_limit = LIMITS.steps
    output_stream_limit = LIMITS.output
    context_depth_limit = 30
    local_namespace_limit = 1 << 20


ENV = BoundedLiquid()
# what a render may raise: the send fails with the reason, nothing else breaks
FAILURES: tuple[type[Exception], ...] = (liquid.exceptions.LiquidError, RenderLimitError,
                                         ArithmeticError, TypeError, ValueError, RecursionError)


def syntax_error(source: str) -> str | None:
    """Why `source` is not valid Liquid, or None when it parses."""
    try:
        ENV.from_string(source)
    except liquid.exceptions.LiquidError as exc:
        return str(exc)
    return None


def render_each(sources: Sequence[str], recipients: Sequence[dict[str, Any]]
                ) -> list[list[str]]:
    """Each source rendered with each recipient's data (one budget per recipient); raises on
    the first failure."""
    templates = [ENV.from_string(s) for s in sources]
    out = []
    try:
        for data in recipients:
            _budget.budget = Budget()
            out.append([t.render(**data) for t in templates])
    finally:
        _budget.budget = None
    return out
