"""eSputnik bulk contacts (§2.7, §2.8): the limit, contacts rejected up front, the matching
rules, restoreDeleted, chosen fields, segments, welcome events and the other dedupe keys.
The import's progress itself is in test_jobs.py.

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
VIP = 200102


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def email(value: str) -> list[dict[str, str]]:
    return [{"type": "email", "value": value}]


def import_now(mock: EsputnikMock, contacts: list[dict[str, Any]], dedupe: str = "email",
               **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    es = mock.client()
    out = es.add_contacts(contacts, dedupe, **options)
    mock.drain()
    return out, es.get_import_status(out["asyncSessionId"])


def events_of(mock: EsputnikMock, cid: int) -> list[Any]:
    return [e for e in mock.org.events if e.contact_id == cid]


def test_bulk_limits_3000_contacts_and_rejects_bad_ones_up_front(
        esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    many = [{"channels": email(f"c{i}@example.org")} for i in range(3001)]
    err = raises(InvalidRequest, es.add_contacts, many, "email")
    assert err.body == "The number of contacts in one request must not exceed 3000"
    out, status = import_now(esputnik_mock, many[:3000])
    assert len(status["mapping"]) == 3000
    r = call(esputnik_mock, "POST", "/api/v1/contacts",
             json={"dedupeOn": "email", "contacts": [{"firstName": "NoChannel", "x": 1,
                                                      "externalCustomerId": "e-1"}]})
    # the specification's FailedContact: the contact's known fields, no externalCustomerId
    assert r.json()["failedContacts"] == {"firstName": "NoChannel",
                                          "error": "Contact must have at least one channel"}
    out, _ = import_now(esputnik_mock, [{"channels": email("bad")}, {"firstName": "X"}])
    assert [f["error"] for f in out["failedContacts"]] == [
        "'bad' is not valid email", "Contact must have at least one channel"]


def test_bulk_external_id_rules(esputnik_mock: EsputnikMock) -> None:
    org = esputnik_mock.org
    # an unknown external id with a known email: that contact gets the external id
    _, st = import_now(esputnik_mock, [{"externalCustomerId": "ext-9",
                                        "channels": email("maria@example.com")}])
    assert st["mapping"][0]["contactId"] == MARIA
    assert org.contacts[MARIA].external_customer_id == "ext-9"
    # a known external id wins over the email
    _, st = import_now(esputnik_mock, [{"externalCustomerId": "cust-1002",
                                        "channels": email("elsewhere@example.org")}])
    assert st["mapping"][0]["contactId"] == JOHN
    # the email's contact carries another external id: a new contact
    _, st = import_now(esputnik_mock, [{"externalCustomerId": "ext-10",
                                        "channels": email("olena@example.com")}])
    assert st["mapping"][0]["contactId"] not in (OLENA, MARIA, JOHN)


def test_bulk_skips_deleted_contacts_unless_restore_deleted(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    es.delete_contact(JOHN)
    row = [{"firstName": "J", "channels": email("john.smith@example.com")}]
    _, st = import_now(esputnik_mock, row)
    assert st["mapping"] == [] and esputnik_mock.org.contacts[JOHN].deleted
    _, st = import_now(esputnik_mock, row, restore_deleted=True)
    assert st["mapping"][0]["contactId"] == JOHN and es.get_contact(JOHN)["firstName"] == "J"


def test_bulk_updates_only_the_chosen_fields(esputnik_mock: EsputnikMock) -> None:
    org = esputnik_mock.org
    row = {"firstName": "Olia", "lastName": None, "channels": email("olena@example.com"),
           "fields": [{"id": 15869, "value": "Lviv"}, {"id": 15868, "value": "M"}]}
    import_now(esputnik_mock, [row], contact_fields=["firstName"], custom_fields_ids=[15869])
    c = org.contacts[OLENA]
    assert (c.first_name, c.last_name) == ("Olia", "Kovalenko")
    assert c.fields[15869] == "Lviv" and c.fields[15868] == "F"
    assert c.values("sms") == ["+380501234567"]
    import_now(esputnik_mock, [{"firstName": "Olia", "channels": email("olena@example.com")}])
    assert c.last_name is None and c.values("sms") == []  # omitted values become null


def test_bulk_segments_events_and_other_dedupe_keys(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    _, st = import_now(esputnik_mock, [{"channels": email("fresh@example.org")},
                                       {"channels": email("maria@example.com")}],
                       group_names=["Imported"], group_names_exclude=["VIP"],
                       event_key_for_new_contacts="welcomeImport")
    fresh = st["mapping"][0]["contactId"]
    imported = es.list_groups(name="Imported")[0]["id"]
    assert {c["id"] for c in es.list_group_contacts(imported)} == {fresh, MARIA}
    assert MARIA not in {c["id"] for c in es.list_group_contacts(VIP)}
    (event,) = events_of(esputnik_mock, fresh)
    assert (event.type_key, event.key_value) == ("welcomeImport", "fresh@example.org")
    _, st = import_now(esputnik_mock, [{"channels": [{"type": "sms", "value": "+380671112233"}],
                                        "firstName": "Taras"}], "sms")
    assert st["mapping"] == [{"dedupeValue": "+380671112233", "contactId": TARAS}]
    _, st = import_now(esputnik_mock, [{"channels": email("x@example.org"),
                                        "fields": [{"id": 15869, "value": "Kyiv"}]}],
                       "fieldId", field_id=15869)
    assert st["mapping"][0]["contactId"] == OLENA
    err = raises(InvalidRequest, es.add_contacts, [{"channels": email("y@example.org")}],
                 "fieldId")
    assert err.body == "fieldId is required when dedupeOn is fieldId"


def test_unknown_import_session_is_404(esputnik_mock: EsputnikMock) -> None:
    err = raises(NotFound, esputnik_mock.client().get_import_status, "nope")
    assert err.body == "Import session 'nope' not found"


def test_bulk_updates_read_blank_names_and_address_parts_as_no_value(
        esputnik_mock: EsputnikMock) -> None:
    """§13: the WooCommerce plugin's " " for a missing name or address part clears it."""
    es = esputnik_mock.client()
    import_now(esputnik_mock, [{"channels": email("olena@example.com") + [
        {"type": "sms", "value": " "}], "firstName": " ", "lastName": " Kovalenko ",
        "address": {"town": " ", "region": "Kyivska"}}])
    got = es.get_contact(100000001)
    assert "firstName" not in got and got["lastName"] == "Kovalenko"
    assert got["address"] == {"region": "Kyivska"}
    assert got["channels"] == email("olena@example.com")  # every field updated: no phone
