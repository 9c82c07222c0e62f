"""Templates (handlers/templates.py): CRUD with any role and the Handlebars preview."""
from __future__ import annotations

import pytest

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

GENERIC = {"status": "error", "error": "An error occurred with this request."}


def test_template_crud_and_preview(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.support_key)  # templates need no role
    created = pv.create_template(type="text", campaign_id=45, locale="fr",
                                 data={"text": "Salut {{user.first_name}} {{event.code}}"})
    assert (created["campaign_id"], created["locale"]) == (45, "fr")
    assert pv.get_template(created["id"])["data"]["text"].startswith("Salut")
    preview = pv.preview_template(created["id"], user={"first_name": "Zoé"},
                                  event={"code": "<b>42</b>"})
    assert preview == {"text": "Salut Zoé &lt;b&gt;42&lt;/b&gt;"}  # {{ }} escapes HTML
    updated = pv.update_template(created["id"], type="text", data={"text": "{{add 1 2}}"})
    assert pv.preview_template(updated["id"]) == {"text": "3"}
    assert pv.delete_template(created["id"]) is True
    with pytest.raises(NotFound):
        pv.get_template(created["id"])
    with pytest.raises(NotFound):
        pv.create_template(type="email", campaign_id=999, locale="en")
    email = pv.preview_template(1, user={"first_name": "Ann", "data": {"x": 1}},
                                event={"data": {"purchase_amount": 3.0}})
    assert email["subject"] == "Thanks for your order, Ann!"
    assert "You spent $3." in email["html"] and email["from"]["address"] == "hello@acme.test"
    assert [t["id"] for t in pv.list_templates(q="es")["results"]] == [2]
    with pytest.raises(InvalidRequest) as info:  # a broken template: Handlebars throws
        pv.update_template(1, type="email", data={"subject": "{{#each}}{{/each}}"})
        pv.preview_template(1)
    assert info.value.body == GENERIC


def test_handlebars_helpers(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    source = ("{{#ifEquals user.plan 'pro'}}PRO{{else}}basic{{/ifEquals}} "
              "{{#if (gt event.total 10)}}big{{/if}} {{uppercase user.name}} "
              "{{join event.items ', '}} {{{event.raw}}} {{missing.deep.path}}|")
    pv.update_template(3, type="text", data={"text": source})
    out = pv.preview_template(3, user={"plan": "pro", "name": "ann"},
                              event={"total": 11, "items": ["a", "b"], "raw": "<i>"})
    assert out == {"text": "PRO big ANN a, b <i> |"}
