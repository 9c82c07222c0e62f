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
    with pytest.raises(NotFound):  # another project's subscription
        pv.create_campaign(type="trigger", subscription_id=5, provider_id=1)
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
