"""Liquid, as ConvertKit personalises broadcasts and confirmation emails: the engine's bounded
Liquid (core.liquid), the variables a template sees, and the text part of an email."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...core import LIQUID_FAILURES as FAILURES
from ...core import liquid_render_each, liquid_syntax_error

if TYPE_CHECKING:
    from .model import Account, Subscriber

syntax_error = liquid_syntax_error
__all__ = ["FAILURES", "html_to_text", "liquid_subscriber", "render_liquid", "syntax_error"]


def render_liquid(content: str, subject: str, recipients: list[dict[str, Any]]
                  ) -> list[tuple[str, str]]:
    """(subject, html) for each recipient's data; raises on the first failure."""
    return [(sub, body) for body, sub in liquid_render_each([content, subject], recipients)]


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
