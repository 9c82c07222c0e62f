"""Campaigns (handlers/campaigns.py), through the thin client: create, read, update, archive,
search by name and tag (docs/vendors/parcelvoy.md §4.4). The trigger's sends are in
test_jobs.py, its auth precedence in test_api.py.
"""
from __future__ import annotations

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

GENERIC = {"status": "error", "error": "An error occurred with this request."}


def test_campaign_crud(parcelvoy_mock: ParcelvoyMock) -> None:
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


def test_campaign_create_errors(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    missing = raises(NotFound, pv.create_campaign, type="trigger", subscription_id=999,
                     provider_id=1)
    assert missing.body == {"status": "error", "error": "Unable to find associated subscription"}
    # `Subscription.find(id)` looks in every project: another project's subscription is taken
    foreign = pv.create_campaign(type="trigger", subscription_id=5, provider_id=1)
    assert foreign["subscription_id"] == 5 and "subscription" not in foreign
    bad = raises(InvalidRequest, pv.create_campaign, type="trigger", subscription_id=1,
                 provider_id=999)
    assert bad.body == GENERIC
    bad = raises(InvalidRequest, pv.create_campaign, type="sometimes", subscription_id=1,
                 provider_id=1)
    assert bad.body["error"] == "Must be equal to one of the allowed values"
    r = parcelvoy_mock.http.post("/api/client/campaigns", json={"type": "blast"},
                                 headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert r.json()["error"] == "Must have required property 'subscription_id'"


def test_campaign_list_search_and_tags(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    assert [c["id"] for c in pv.list_campaigns(q="RECEIPT")["results"]] == [44]
    assert [c["id"] for c in pv.list_campaigns(tag=["marketing", "x"])["results"]] == [47]
    assert [c["id"] for c in pv.list_campaigns(sort="name", direction="asc")["results"]] == [
        46, 45, 44, 47]
    with pytest.raises(InvalidRequest) as info:
        pv.list_campaigns(sort="no_such_column")
    assert info.value.body == GENERIC


@pytest.mark.parametrize(("send_at", "stored"), [
    ("2025-03-01T10:00:00Z", "2025-03-01T10:00:00.000Z"),
    ("2025-03-01 10:00:00+02:00", "2025-03-01T08:00:00.000Z"),  # a space separates too
    ("2025-03-01t10:00:00.6z", "2025-03-01T10:00:01.000Z"),  # kept to the second
    ("2025-03-01T10:00:00", "2025-03-01T10:00:00.000Z"),  # ajv-formats 2.1.1 takes no zone
    ("2025-03-01T10:00:00-0130", "2025-03-01T11:30:00.000Z"),
])
def test_send_at_as_ajv_reads_it_and_mysql_keeps_it(parcelvoy_mock: ParcelvoyMock,
                                                    send_at: str, stored: str) -> None:
    pv = parcelvoy_mock.client()
    made = pv.create_campaign(type="blast", subscription_id=1, provider_id=1, send_at=send_at)
    assert made["send_at"] == stored == pv.get_campaign(made["id"])["send_at"]
    assert pv.update_campaign(made["id"], send_at=send_at)["send_at"] == stored


@pytest.mark.parametrize(("send_at", "status"), [
    ("2025-02-30T10:00:00Z", 422),  # no such day
    ("2025-03-01T24:00:00Z", 422),
    ("2025-03-01T10:00Z", 422),
    ("9999-12-31T23:59:59-12:00", 400),  # past the TIMESTAMP column
    ("1969-12-31T23:59:59Z", 400),
])
def test_send_at_out_of_range(parcelvoy_mock: ParcelvoyMock, send_at: str, status: int) -> None:
    pv = parcelvoy_mock.client()
    before = len(parcelvoy_mock.world.campaigns)
    with pytest.raises(InvalidRequest) as info:
        pv.create_campaign(type="blast", subscription_id=1, provider_id=1, send_at=send_at)
    assert info.value.status == status
    if status == 422:
        assert info.value.body["error"] == 'Must match format "date-time"'
    assert len(parcelvoy_mock.world.campaigns) == before  # nothing stored


def test_update_writes_nulls_and_walks_the_states(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    made = pv.create_campaign(type="blast", subscription_id=1, provider_id=1, name="B",
                              send_at="2030-01-01T00:00:00Z")
    kept = pv.update_campaign(made["id"], name=None, send_at=None)
    assert (kept["name"], kept["send_at"]) == (None, "2030-01-01T00:00:00.000Z")
    with pytest.raises(InvalidRequest) as info:  # no template yet: nothing to check, fine
        pv.update_campaign(made["id"], subscription_id=999)
    assert info.value.body == GENERIC
    pv.create_template(type="email", campaign_id=made["id"], locale="en",
                       data={"from": {"address": "a@acme.test"}, "html": "<p>x</p>"})
    with pytest.raises(InvalidRequest) as info:
        pv.update_campaign(made["id"], state="scheduled")
    assert (info.value.status, info.value.body["error"]) == (
        422, "The `subject` field on the `en` template is missing and is required.")
    aborting = pv.update_campaign(made["id"], state="aborted")
    assert (aborting["state"], aborting["send_at"]) == ("aborting", None)
    parcelvoy_mock.drain()
    assert pv.get_campaign(made["id"])["state"] == "aborted"


def test_duplicate_copies_the_campaign_and_its_templates(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    source = pv.get_campaign(44)
    copy = pv.duplicate_campaign(44)
    assert (copy["name"], copy["type"], copy["state"]) == (
        f"Copy of {source['name']}", "trigger", "running")
    assert source["tags"] == ["transactional"] and "tags" not in copy  # tags are not copied
    assert [(t["locale"], t["data"]) for t in copy["templates"]] == [
        (t["locale"], t["data"]) for t in source["templates"]]
    assert {t["campaign_id"] for t in copy["templates"]} == {copy["id"]}


def test_tags_as_get_tags_gives_them(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    made = pv.create_campaign(type="blast", subscription_id=1, provider_id=1,
                              tags=["zeta", "alpha", "zeta"])
    assert made["tags"] == ["alpha", "zeta"]  # one row per tag, by name
    assert (made["lists"], made["exclusion_lists"]) == ([], [])
    bare = pv.create_campaign(type="blast", subscription_id=1, provider_id=1)
    assert "tags" not in bare  # no tag row: the Map has no entry


def test_a_null_flag_reads_back_false(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    made = pv.create_campaign(type="blast", subscription_id=1, provider_id=1,
                              send_in_user_timezone=True)
    assert pv.update_campaign(made["id"], send_in_user_timezone=None)[
        "send_in_user_timezone"] is False


def test_preview_shows_the_template_source(parcelvoy_mock: ParcelvoyMock) -> None:
    http = parcelvoy_mock.http
    head = {"Authorization": f"Bearer {parcelvoy_mock.secret_key}"}
    email = http.get("/api/client/campaigns/44/preview", headers=head)  # project locale: en
    assert email.headers["content-type"].startswith("text/html") and "{{" in email.text
    text = http.get("/api/client/campaigns/45/preview", headers=head)
    assert text.headers["content-type"].startswith("text/plain") and text.text
    push = http.get("/api/client/campaigns/46/preview", headers=head)
    assert "<br/>" in push.text
    made = parcelvoy_mock.client().create_campaign(type="blast", subscription_id=1,
                                                   provider_id=1)
    empty = http.get(f"/api/client/campaigns/{made['id']}/preview", headers=head)
    assert (empty.status_code, empty.text) == (200, "")


def test_scheduling_a_trigger_campaign_leaves_it_loading(parcelvoy_mock: ParcelvoyMock) -> None:
    """updateCampaign writes `loading` and queues the list job for blasts only."""
    loading = parcelvoy_mock.client().update_campaign(44, state="scheduled")
    assert (loading["state"], loading["progress"]) == ("loading", {"complete": 0, "total": 0})
