"""Parcelvoy fake: the secret-key project routes (campaigns, templates, users,
subscriptions, journey trigger) and their cursor pages, through the thin client.
"""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, NotFound

GENERIC = {"status": "error", "error": "An error occurred with this request."}


def test_campaign_crud(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    created = pv.create_campaign(type="trigger", subscription_id=2, provider_id=2,
                                 name="Reminder", channel="email", tags=["ops"])
    # the channel comes from the subscription; a trigger campaign starts running
    assert (created["channel"], created["state"], created["templates"]) == ("text", "running", [])
    blast = pv.create_campaign(type="blast", subscription_id=1, provider_id=1)
    assert (blast["state"], blast["name"]) == ("draft", "")
    got = pv.get_campaign(created["id"])
    assert got["subscription"]["name"] == "Default SMS" and got["provider"]["group"] == "text"
    updated = pv.update_campaign(created["id"], name="Reminder v2", state="finished")
    assert (updated["name"], updated["state"]) == ("Reminder v2", "finished")
    with pytest.raises(InvalidRequest) as info:
        pv.update_campaign(created["id"], name="again")
    assert info.value.body == {"status": "error", "code": 2001,
                               "error": "The campaign has already finished and cannot be modified."}
    assert pv.delete_campaign(created["id"]) is True
    with pytest.raises(NotFound):
        pv.get_campaign(created["id"])
    names = [c["name"] for c in pv.list_campaigns()["results"]]
    assert "Reminder v2" not in names and names[0] == ""  # newest first


def test_campaign_create_errors(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    with pytest.raises(NotFound) as info:
        pv.create_campaign(type="trigger", subscription_id=999, provider_id=1)
    assert info.value.body == {"status": "error", "error": "Unable to find associated subscription"}
    with pytest.raises(NotFound):  # another project's subscription
        pv.create_campaign(type="trigger", subscription_id=5, provider_id=1)
    with pytest.raises(InvalidRequest) as info:
        pv.create_campaign(type="trigger", subscription_id=1, provider_id=999)
    assert info.value.body == GENERIC
    with pytest.raises(InvalidRequest) as info:
        pv.create_campaign(type="sometimes", subscription_id=1, provider_id=1)
    assert info.value.body["error"] == "Must be equal to one of the allowed values"
    r = parcelvoy_mock.http.post("/api/client/campaigns", json={"type": "blast"},
                                 headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert r.json()["error"] == "Must have required property 'subscription_id'"


def test_campaign_list_search_and_tags(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    assert [c["id"] for c in pv.list_campaigns(q="RECEIPT")["results"]] == [44]
    assert [c["id"] for c in pv.list_campaigns(tag=["marketing", "x"])["results"]] == [47]
    assert [c["id"] for c in pv.list_campaigns(sort="name", direction="asc")["results"]] == [
        46, 45, 44, 47]
    with pytest.raises(InvalidRequest) as info:
        pv.list_campaigns(sort="no_such_column")
    assert info.value.body == GENERIC


def test_cursor_pages(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    first = pv.list_users(limit=10)
    assert (len(first["results"]), first["limit"]) == (10, 10)
    assert "prevCursor" not in first and first["nextCursor"] == str(first["results"][-1]["id"])
    second = pv.list_users(limit=10, cursor=first["nextCursor"])
    assert second["results"][0]["id"] < first["results"][-1]["id"]
    assert second["prevCursor"] == str(second["results"][0]["id"])
    back = pv.list_users(limit=10, cursor=second["prevCursor"], page="prev")
    assert back["results"] == first["results"] and "prevCursor" not in back
    everyone = list(pv.iterate(pv.list_users, limit=7))
    assert len(everyone) == 33 == len(pv.list_users(limit=-1)["results"])
    assert len({u["id"] for u in everyone}) == 33
    assert pv.list_users(limit=-1)["results"][-1]["external_id"] == "ann"  # id desc
    by_name = pv.list_users(sort="external_id", direction="asc", limit=2)
    assert by_name["nextCursor"] == f"{by_name['results'][1]['id']},bea"
    with pytest.raises(InvalidRequest) as info:
        pv.list_users(limit="ten")
    assert info.value.body["error"] == "The value of `limit` must be a integer."
    with pytest.raises(InvalidRequest) as info:
        pv.list_users(page="sideways")
    assert info.value.body["error"] == "Must be equal to one of the allowed values"


def test_user_search_and_reads(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.support_key)  # reads need no role
    assert [u["external_id"] for u in pv.list_users(q="ann@example.com")["results"]] == ["ann"]
    assert [u["external_id"] for u in pv.list_users(q="+12345678900")["results"]] == ["ann"]
    assert pv.list_users(q="ann@other.test")["results"] == []  # another project's user
    ann = pv.get_user("ann")
    assert (ann["first_name"], ann["last_name"], ann["full_name"]) == ("Ann", "Lee", "Ann Lee")
    assert ann["devices"][0]["token"] == "ann-apns-token"
    subs = pv.list_user_subscriptions("ann")["results"]
    assert sorted((s["channel"], s["state"]) for s in subs) == [
        ("email", 1), ("push", 1), ("text", 1)]
    assert pv.list_user_events("ann") == {"results": [], "limit": 25}
    with pytest.raises(NotFound):
        pv.get_user("nobody")
    with pytest.raises(AuthError):
        pv.delete_user("ann")  # editor needed


def test_user_subscription_changes(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    pv.update_user_subscriptions("bea", [
        {"subscription_id": 1, "state": 0}, {"subscription_id": 3, "state": 2},
        {"subscription_id": 999, "state": 0}, {"subscription_id": 5, "state": 0},
        {"subscription_id": 2, "state": 7}, "junk"])  # unknown or invalid: skipped
    states = {s["subscription_id"]: s["state"]
              for s in pv.list_user_subscriptions("bea")["results"]}
    assert states == {1: 0, 3: 2}
    events = pv.list_user_events("bea")["results"]
    assert [e["name"] for e in events] == ["unsubscribed"]  # 1 -> 2 is no change of kind
    assert events[0]["data"]["subscription_id"] == 1
    r = parcelvoy_mock.http.patch("/api/client/users/bea/subscriptions",
                                  json={"subscription_id": 1},
                                  headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert (r.status_code, r.json()) == (400, GENERIC)  # iterating an object throws


def test_subscription_crud(parcelvoy_mock: Any) -> None:
    admin = parcelvoy_mock.client(key=parcelvoy_mock.admin_key)
    names = [s["name"] for s in admin.list_subscriptions(direction="asc")["results"]]
    assert names == ["Default Email", "Default SMS", "Default Push", "Default Webhook"]
    created = admin.create_subscription("Newsletter", "email")
    assert admin.get_subscription(created["id"])["channel"] == "email"
    assert admin.update_subscription(created["id"], "Weekly")["name"] == "Weekly"
    assert [s["name"] for s in admin.list_subscriptions(q="week")["results"]] == ["Weekly"]
    with pytest.raises(InvalidRequest) as info:
        admin.create_subscription("Bad", "fax")
    assert info.value.status == 422
    with pytest.raises(NotFound):
        admin.get_subscription(5)  # another project's
    with pytest.raises(AuthError) as denied:
        parcelvoy_mock.client().create_subscription("Nope", "email")
    assert denied.value.body["error"] == "Minimum project role admin is required"


def test_template_crud_and_preview(parcelvoy_mock: Any) -> None:
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


def test_handlebars_helpers(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    source = ("{{#ifEquals user.plan 'pro'}}PRO{{else}}basic{{/ifEquals}} "
              "{{#if (gt event.total 10)}}big{{/if}} {{uppercase user.name}} "
              "{{join event.items ', '}} {{{event.raw}}} {{missing.deep.path}}|")
    pv.update_template(3, type="text", data={"text": source})
    out = pv.preview_template(3, user={"plan": "pro", "name": "ann"},
                              event={"total": 11, "items": ["a", "b"], "raw": "<i>"})
    assert out == {"text": "PRO big ANN a, b <i> |"}


def test_journey_trigger(parcelvoy_mock: Any) -> None:
    pv = parcelvoy_mock.client()
    assert pv.trigger_journey(1, 1, {"external_id": "j-1", "email": "j@example.com",
                                     "vip": True}, {"plan": "pro"}) == {"success": True}
    # synchronous: the user and the event exist before any job runs
    events = pv.list_user_events("j-1")["results"]
    assert events[0]["name"] == "journey_trigger"
    assert events[0]["data"] == {"plan": "pro", "journey": {"id": 1, "name": "Onboarding",
                                                            "entrance_id": 1}}
    assert pv.get_user("j-1")["data"] == {"vip": True}
    parcelvoy_mock.drain()
    [entrance] = list(parcelvoy_mock.world.entrances)
    assert entrance.ended_at is not None
    with pytest.raises(InvalidRequest) as info:
        pv.trigger_journey(1, 2, {"external_id": "j-1"})  # step 2 is not an entrance
    assert info.value.body == {"status": "error", "code": 9001,
                               "error": "The request journey step is invalid"}
    with pytest.raises(InvalidRequest) as info:
        pv.trigger_journey(1, 0, {"external_id": "j-1"})
    assert info.value.body["error"] == "Must be >= 1"
