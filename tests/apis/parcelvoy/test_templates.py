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
    with pytest.raises(InvalidRequest) as bad:  # templates.campaign_id is a foreign key
        pv.create_template(type="email", campaign_id=999, locale="en")
    assert bad.value.body == GENERIC
    email = pv.preview_template(1, user={"first_name": "Ann", "data": {"x": 1}},
                                event={"data": {"purchase_amount": 3.0}})
    assert email["subject"] == "Thanks for your order, Ann!"
    assert "You spent $3." in email["html"] and email["from"]["address"] == "hello@acme.test"
    # pagedTemplates names no column for `q`, so it filters nothing; no default sort: id order
    ids = [t["id"] for t in pv.list_templates()["results"]]
    assert ids == sorted(ids) and [t["id"] for t in pv.list_templates(q="es")["results"]] == ids
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


# -- the server's own template schemas (TemplateController.ts) ------------------------------
@pytest.mark.parametrize(("body", "message"), [
    ({"type": "email"}, "Must have required property 'data'"),  # data is required on update
    ({"type": "email", "data": {}, "locale": "fr"},  # and the locale cannot change
     "Must NOT have additional properties"),
    ({"type": "email", "data": {"from": "hi@acme.test"}},
     "The value of `data/from` must be a object."),
    # a non-email branch fails: AJV lists the email branch's `type` enum error first
    ({"type": "push", "data": {"title": "t"}}, "Must be equal to one of the allowed values"),
    ({"type": "webhook", "data": {"method": "POST"}},
     "Must be equal to one of the allowed values"),
    ({"type": "sms", "data": {}}, "Must be equal to one of the allowed values"),
])
def test_update_is_checked_per_channel(parcelvoy_mock: ParcelvoyMock, body: object,
                                       message: str) -> None:
    pv = parcelvoy_mock.client()
    before = pv.get_template(1)
    with pytest.raises(InvalidRequest) as info:
        pv._send("PATCH", "/api/client/templates/1", json=body)
    assert info.value.status == 422
    assert info.value.body == {"status": "error", "error": message}
    assert pv.get_template(1) == before  # nothing written


@pytest.mark.parametrize("data", [
    {"title": "Hi"},  # push needs title and body
    {"body": "b", "title": 3},
])
def test_create_push_needs_title_and_body(parcelvoy_mock: ParcelvoyMock,
                                          data: dict[str, object]) -> None:
    pv = parcelvoy_mock.client()
    with pytest.raises(InvalidRequest) as info:
        pv.create_template(type="push", campaign_id=44, locale="de", data=data)
    assert info.value.status == 422


def test_create_accepts_each_channel_and_refuses_a_second_locale(
        parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    made = pv.create_template(type="webhook", campaign_id=44, locale="de", data={
        "method": "POST", "endpoint": "https://hooks.test/x", "body": {"a": "{{user.id}}"}})
    assert made["data"]["method"] == "POST"
    nulls = pv.create_template(type="email", campaign_id=44, locale="it", data=None)
    assert nulls["data"] == {}  # `data ?? {}`
    with pytest.raises(InvalidRequest) as info:
        pv.create_template(type="text", campaign_id=44, locale="de", data={"text": "x"})
    assert info.value.body == {"status": "error",
                               "error": "A template with this locale already exists."}


def test_update_writes_the_pruned_data(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    made = pv.create_template(type="webhook", campaign_id=44, locale="nl", data={
        "method": "POST", "endpoint": "https://hooks.test/x"})
    updated = pv.update_template(made["id"], type="webhook", data={
        "method": "PUT", "endpoint": "https://hooks.test/y", "headers": None,
        "body": {"items": ["a", "", None, "b"], "note": "", "n": 0, "ok": False}})
    assert updated["data"] == {"method": "PUT", "endpoint": "https://hooks.test/y",
                               "body": {"items": {"0": "a", "3": "b"}, "n": 0, "ok": False}}
    kept = pv.update_template(made["id"], type="webhook", data=None)  # pruned away: unchanged
    assert kept["data"] == updated["data"] and kept["locale"] == "nl"


def test_a_proof_goes_to_the_outbox_without_a_send_record(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.support_key)
    sends = len(parcelvoy_mock.sends())
    assert pv.send_proof(1, "proof@example.com", {"user": {"first_name": "Pat"},
                                                    "event": {"data": {"purchase_amount": 5}}}
                         ) is None
    outbox = parcelvoy_mock.services.outbox.messages(api="parcelvoy", to="proof@example.com")
    assert len(outbox) == 1 and "Pat" in outbox[0].subject
    assert len(parcelvoy_mock.sends()) == sends  # no campaign_sends row, no event
    with pytest.raises(InvalidRequest) as info:  # `variables.event` of undefined
        pv._send("POST", "/api/client/templates/1/proof", json={"recipient": "x@example.com"})
    assert info.value.body == GENERIC
    pv.update_template(3, type="text", data={"text": None})  # pruned: the old text stays
    made = pv.create_template(type="text", campaign_id=45, locale="pt", data={})
    with pytest.raises(InvalidRequest) as info:
        pv.send_proof(made["id"], "+15550009", {})
    assert info.value.body["error"] == (
        "The `text` field on the `pt` template is missing and is required.")
