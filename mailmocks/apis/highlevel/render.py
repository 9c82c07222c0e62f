"""HighLevel merge fields (`{{contact.first_name}}`, `{{location.name}}`, `{{campaign.name}}`),
rendered with the engine's bounded Liquid; a template that does not parse, or goes over the
render budget, goes out as written."""
from __future__ import annotations

from typing import Any

from ...core import LIQUID_FAILURES, liquid_render_each
from .model import Campaign, Contact, Location


def render_all(content: str, subject: str, recipients: list[dict[str, Any]]
               ) -> list[tuple[str, str]]:
    """(content, subject) for each recipient; each part that fails stays as written."""
    try:  # the common case: both parse once, every recipient renders
        return [(body, sub) for body, sub in liquid_render_each([content, subject], recipients)]
    except LIQUID_FAILURES:
        pass
    out = []
    for data in recipients:
        parts = []
        for source in (content, subject):
            try:
                parts.append(liquid_render_each([source], [data])[0][0])
            except LIQUID_FAILURES:
                parts.append(source)
        out.append((parts[0], parts[1]))
    return out


def merge_data(loc: Location, campaign: Campaign, contact: Contact) -> dict[str, Any]:
    """What a campaign's content and subject can name for one recipient."""
    return {"contact": {"id": contact.id, "first_name": contact.first_name,
                        "last_name": contact.last_name, "name": contact.name,
                        "email": contact.email},
            "location": {"id": loc.id, "name": loc.name}, "campaign": {"name": campaign.name}}
