"""HighLevel merge fields (`{{contact.first_name}}`, `{{location.name}}`, `{{campaign.name}}`),
rendered as Liquid; a template that does not parse goes out as written."""
from __future__ import annotations

from typing import Any

import liquid

from .model import Campaign, Contact, Location

_liquid = liquid.Environment()


def render(source: str, data: dict[str, Any]) -> str:
    try:
        return str(_liquid.from_string(source).render(**data))
    except liquid.exceptions.LiquidError:
        return source


def merge_data(loc: Location, campaign: Campaign, contact: Contact) -> dict[str, Any]:
    """What a campaign's content and subject can name for one recipient."""
    return {"contact": {"id": contact.id, "first_name": contact.first_name,
                        "last_name": contact.last_name, "name": contact.name,
                        "email": contact.email},
            "location": {"id": loc.id, "name": loc.name}, "campaign": {"name": campaign.name}}
