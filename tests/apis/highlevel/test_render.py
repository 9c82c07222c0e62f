"""HighLevel's merge fields (render.py): Liquid over the contact, the location and the
campaign; a template that does not parse goes out as written."""
from __future__ import annotations

from typing import Any

from mailmocks.apis.highlevel.model import Campaign, Contact, Location
from mailmocks.apis.highlevel.render import merge_data, render_all


def render(source: str, data: dict[str, Any]) -> str:
    return render_all(source, "", [data])[0][0]


def test_merge_fields_name_the_contact_location_and_campaign() -> None:
    loc = Location("loc1", "Aurora Events")
    campaign = Campaign(rid=1, id="c1", source_id="s1", name="Season opener", status="draft",
                        editor_type="html", content="", created_at=0.0, updated_at=0.0)
    maja = Contact("ct1", "Maja", "Jensen", "maja@example.com", [])
    data = merge_data(loc, campaign, maja)
    assert render("Hej {{contact.first_name}} ({{contact.name}}), {{campaign.name}} at "
                  "{{location.name}}", data) == ("Hej Maja (Maja Jensen), Season opener at "
                                                 "Aurora Events")
    assert render("{{contact.email | upcase}}", data) == "MAJA@EXAMPLE.COM"
    assert render("{{contact.nickname}}", data) == ""  # an unknown field renders empty


def test_a_template_that_does_not_parse_goes_out_as_written() -> None:
    for broken in ("Hi {{contact.first_name", "{% if %}x{% endif %}", "{% nope %}"):
        assert render(broken, {}) == broken


def test_a_runaway_template_goes_out_as_written_within_the_budget() -> None:
    loop = "{% for i in (1..90000) %}{% endfor %}" * 3
    [(body, subject)] = render_all(loop, "Hi {{contact.first_name}}",
                                   [{"contact": {"first_name": "Maja"}}])
    assert body == loop and subject == "Hi Maja"
