"""Liquid, as ConvertKit personalises broadcasts and confirmation emails: data, never code.

python-liquid resolves `a.b` by item lookup only, so a template sees nothing but the plain
data it is given, and the default loader has no templates, so `include` reads no file. Every
render spends a `core.Budget` (loop iterations by their product, output size, wall time):
python-liquid calls `raise_for_loop_limit` on each loop, and our context spends the budget of
the render running on that thread, set by `render_liquid` for each recipient.
"""
from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

import liquid
from liquid import BoundTemplate, RenderContext

from ...core import Budget, Limits, RenderLimitError

if TYPE_CHECKING:
    from .model import Account, Subscriber

LIMITS = Limits()  # the engine's defaults: what one recipient's email may use
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
    """Liquid with the work limits of `core.Budget`: a runaway loop or output stops the render."""

    template_class = _BudgetedTemplate
    loop_iteration_limit = LIMITS.steps
    output_stream_limit = LIMITS.output
    context_depth_limit = 30
    local_namespace_limit = 1 << 20


_liquid = BoundedLiquid()
# what a render may raise: the send fails with the reason, nothing else breaks
FAILURES = (liquid.exceptions.LiquidError, RenderLimitError, ArithmeticError, TypeError,
            ValueError, RecursionError)


def syntax_error(source: str) -> str | None:
    """Why `source` is not valid Liquid, or None when it parses."""
    try:
        _liquid.from_string(source)
    except liquid.exceptions.LiquidError as exc:
        return str(exc)
    return None


def render_liquid(content: str, subject: str, recipients: list[dict[str, Any]]
                  ) -> list[tuple[str, str]]:
    """(subject, html) for each recipient's data; raises on the first failure."""
    body_t, subject_t = _liquid.from_string(content), _liquid.from_string(subject)
    out = []
    try:
        for data in recipients:
            _budget.budget = Budget()  # each recipient's email has the whole budget
            out.append((subject_t.render(**data), body_t.render(**data)))
    finally:
        _budget.budget = None
    return out


def liquid_subscriber(acct: Account, s: Subscriber) -> dict[str, Any]:
    """What `{{ subscriber.* }}` sees: the standard attributes and every custom field key."""
    return {"id": s.id, "first_name": s.first_name, "email_address": s.email,
            **{f.key: s.fields.get(f.key) for f in acct.fields}}


def html_to_text(html: str) -> str:
    """The text part of an email: tags dropped, links kept as `text (url)`."""
    text = re.sub(r'(?is)<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</h\d>|</li>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
