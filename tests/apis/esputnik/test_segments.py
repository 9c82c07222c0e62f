"""eSputnik segments of every type and the custom-field catalog (§3).

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
Default data: fixtures/esputnik.yaml, as tests/apis/esputnik/conftest.py describes it.
"""
from __future__ import annotations

from typing import Any

import httpx
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
SUBSCRIBERS, VIP, UKRAINIAN, VIP_OR_UK = 200101, 200102, 200103, 200104


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def test_list_groups_and_their_contacts(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert [(g["id"], g["type"]) for g in es.list_groups()] == [
        (SUBSCRIBERS, "Static"), (VIP, "Static"), (UKRAINIAN, "Dynamic"),
        (VIP_OR_UK, "Combined")]
    assert [g["id"] for g in es.list_groups(name="vip")] == [VIP, VIP_OR_UK]
    assert [g["id"] for g in es.list_groups(startindex=2, maxrows=1)] == [VIP]
    subs = es.list_group_contacts(SUBSCRIBERS, maxrows=5, asc=False)
    assert subs.total == 42 and subs.items[0]["id"] == 100000044
    vip = es.list_group_contacts(VIP)
    assert [c["id"] for c in vip] == [OLENA, MARIA]
    assert vip.items[0]["groups"][1]["name"] == "VIP"
    uk = {c["id"] for c in es.list_group_contacts(UKRAINIAN)}
    assert {OLENA, TARAS} <= uk
    assert {c["id"] for c in es.list_group_contacts(VIP_OR_UK)} == uk | {MARIA}
    assert raises(NotFound, es.list_group_contacts, 9).body == "Segment with id='9' not found"


def test_attach_and_detach_static_segments(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert "attached" in es.attach_contacts(VIP, contact_ids=[JOHN, 12345])
    es.attach_contacts(VIP, external_customer_ids=["cust-1002"])
    by_ts = es.list_group_contacts(VIP, order_by_ts=True)
    assert [c["id"] for c in by_ts] == [OLENA, MARIA, JOHN]
    es.detach_contacts(VIP, contact_ids=[OLENA])
    assert [c["id"] for c in es.list_group_contacts(VIP)] == [JOHN, MARIA]  # by id
    err = raises(InvalidRequest, es.attach_contacts, VIP, [OLENA], ["cust-1001"])
    assert err.body == "Use either contactIds or externalCustomerIds, not both"
    err = raises(InvalidRequest, es.attach_contacts, UKRAINIAN, [OLENA])
    assert err.body == f"Segment with id='{UKRAINIAN}' is not static"
    r = call(esputnik_mock, "POST", f"/api/v1/group/{VIP}/contacts/detach")
    assert r.status_code == 200 and es.list_group_contacts(VIP).total == 0


def test_addressbooks_show_the_single_element_quirk(esputnik_mock: EsputnikMock) -> None:
    raw = call(esputnik_mock, "GET", "/api/v1/addressbooks").json()
    book = raw["addressBook"]
    assert isinstance(book, dict) and book["addressBookId"] == 7200
    personal, prefs = book["fieldGroups"]
    assert len(personal["fields"]) == 4 and personal["fields"][1]["description"] == {
        "type": "COMBOBOX", "required": False, "readonly": False,
        "allowedValues": {"possibleValues": ["M", "F"]}}
    assert prefs["fields"]["fieldKey"] == "FAVOURITE_CATEGORY"  # one field: an object
    (normalised,) = esputnik_mock.client().list_addressbooks()
    assert [len(g["fields"]) for g in normalised["fieldGroups"]] == [4, 1]
