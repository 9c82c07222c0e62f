"""eSputnik single contacts: add/update, the 409 dedupe, validation, get, update, delete,
subscribe, search and emails by ids (§2.1-§2.6, §2.10-§2.12, D-8).

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
Default data: fixtures/esputnik.yaml, as tests/apis/esputnik/conftest.py describes it.
"""
from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import raises

from mailmocks.clients.base import ApiError, InvalidRequest, NotFound
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
JSON_UTF8 = "application/json; charset=UTF-8"
LIVE_CONTACTS = 44


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def email(value: str) -> list[dict[str, str]]:
    return [{"type": "email", "value": value}]


# -- single contacts (§2.1-§2.5, §2.12) -----------------------------------------------------
def test_add_contact_creates_a_confirmed_contact_without_events(
        esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    cid = es.add_contact({"firstName": "Anna", "lastName": "Nowak",
                          "channels": email("Anna@Example.org"),
                          "fields": [{"id": 15868, "value": "F"}], "languageCode": "pl"})["id"]
    got = es.get_contact(cid)
    assert got["channels"] == email("anna@example.org")
    assert got["fields"] == [{"id": 15868, "value": "F"}] and got["languageCode"] == "pl"
    assert esputnik_mock.org.contacts[cid].confirmed
    assert [e for e in esputnik_mock.org.events if e.contact_id == cid] == []


def test_add_contact_updates_the_contact_with_the_same_email_or_external_id(
        esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert es.add_contact({"firstName": "Olenka", "channels": email("olena@example.com")}
                          ) == {"id": OLENA}
    assert es.get_contact(OLENA)["firstName"] == "Olenka"
    assert es.add_contact({"externalCustomerId": "cust-1002", "lastName": "Smyth",
                           "channels": email("new-john@example.com")})["id"] == JOHN


def test_the_same_body_within_a_minute_is_409_duplicated_request(
        esputnik_mock: EsputnikMock) -> None:
    body = {"firstName": "Dup", "channels": email("dup@example.org")}
    first = call(esputnik_mock, "POST", "/api/v1/contact", json=body)
    again = call(esputnik_mock, "POST", "/api/v1/contact", json=body)
    assert first.status_code == 200
    assert (again.status_code, again.text) == (409, "Duplicated request")
    esputnik_mock.advance(61)
    assert call(esputnik_mock, "POST", "/api/v1/contact", json=body).json() == first.json()


@pytest.mark.parametrize(("contact", "message"), [
    ({"channels": []}, "Validation failed: channels"),
    ({"channels": email("not-an-email")}, "'not-an-email' is not valid email"),
    ({"channels": [{"type": "sms", "value": "call me"}]}, "'call me' is not valid phone"),
    ({"channels": email("a@b.org"), "firstName": "1234"}, "Invalid first name"),
    ({"channels": email("a@b.org"), "lastName": "-Smith"}, "Invalid last name"),
    ({"channels": email("a@b.org"), "fields": [{"id": 1, "value": "x"}]},
     "Field with id=1 not found"),
    ({"channels": email("a@b.org"), "fields": [{"id": 15870, "value": "many"}]},
     "is not a number"),
    ({"channels": email("a@b.org"), "fields": [{"id": 15867, "value": "12 May"}]},
     "is not a date"),
    ({"channels": email("a@b.org"), "fields": [{"id": 15868, "value": "X"}]},
     "is not one of"),
    ({"channels": email("a@b.org") + email("c@d.org") + email("e@f.org")},
     "at most two channels"),
    ({"firstName": "No channels"}, "channels"),
    ({"channels": email("nul\u0000@example.org")}, "is not valid email"),
    ({"channels": email("tab\t@example.org")}, "is not valid email"),
    ({"channels": [{"type": "sms", "value": " "}]}, "at least one channel"),
])
def test_invalid_contacts_are_400_text_and_store_nothing(esputnik_mock: EsputnikMock,
                                                         contact: dict[str, Any],
                                                         message: str) -> None:
    before = len(esputnik_mock.org.contacts)
    err = raises(InvalidRequest, esputnik_mock.client().add_contact, contact)
    assert err.status == 400 and message in err.body
    assert len(esputnik_mock.org.contacts) == before


def test_names_follow_the_documented_rules(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    for i, name in enumerate(["Jean-Luc", "O'Neil", "Jr. Mark", "Олена", "Anna 2nd"]):
        es.add_contact({"firstName": name, "channels": email(f"n{i}@example.org")})


def test_blank_names_and_channels_are_no_value(esputnik_mock: EsputnikMock) -> None:
    """Yespo's WooCommerce plugin sends " " for a missing name, phone and address part."""
    es = esputnik_mock.client()
    cid = es.add_contact({"firstName": " ", "lastName": " Doe ",
                          "channels": email("blank@example.org") + [
                              {"type": "sms", "value": " "}],
                          "address": {"region": " ", "town": "Lviv", "postcode": " "}})["id"]
    got = es.get_contact(cid)
    assert "firstName" not in got and got["lastName"] == "Doe"
    assert got["channels"] == email("blank@example.org")
    assert got["address"] == {"town": "Lviv"}


def test_get_unknown_contact_is_404_text(esputnik_mock: EsputnikMock) -> None:
    err = raises(NotFound, esputnik_mock.client().get_contact, 42)
    assert err.body == "Contact with id='42' not found"
    r = call(esputnik_mock, "GET", "/api/v1/contact/abc")
    assert r.status_code == 400 and "For input string" in r.text


def test_update_answers_plain_text_under_a_json_content_type(esputnik_mock: EsputnikMock) -> None:
    r = call(esputnik_mock, "PUT", f"/api/v1/contact/{JOHN}",
             json={"firstName": "Johnny", "address": {"town": "Leeds"}})
    assert r.status_code == 200 and r.headers["content-type"] == JSON_UTF8
    assert r.text == f"Contact with id='{JOHN}' has been updated"
    got = esputnik_mock.client().get_contact(JOHN)
    assert got["firstName"] == "Johnny" and got["lastName"] == "Smith"
    assert got["address"] == {"town": "Leeds"} and got["channels"] == email(
        "john.smith@example.com")


def test_update_errors(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert raises(NotFound, es.update_contact, 7, {"firstName": "X"}).status == 404
    err = raises(InvalidRequest, es.update_contact, JOHN, {"externalCustomerId": "cust-1001"})
    assert "already exists" in err.body
    es.update_contact(JOHN, {"lastName": "Jones"})
    assert raises(ApiError, es.update_contact, JOHN, {"lastName": "Jones"}).status == 409


def test_delete_then_update_restores_and_erase_removes(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert es.delete_contact(MARIA) == f"Contact with id='{MARIA}' has been deleted"
    assert raises(NotFound, es.get_contact, MARIA).status == 404
    assert es.search_contacts(email="maria@example.com").total == 0
    es.update_contact(MARIA, {"firstName": "Mariа"})
    assert es.get_contact(MARIA)["lastName"] == "Garcia"
    es.delete_contact(MARIA, erase=True)
    assert MARIA not in esputnik_mock.org.contacts
    assert raises(NotFound, es.delete_contact, MARIA).status == 404


def test_delete_by_external_customer_id(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert es.delete_contact_by_external_id("cust-1002") is None
    assert esputnik_mock.org.contacts[JOHN].deleted
    err = raises(NotFound, es.delete_contact_by_external_id, "cust-1002")
    assert err.body == "Contact with externalCustomerId='cust-1002' not found"
    es.delete_contact_by_external_id("cust-1002", erase=True)
    assert JOHN not in esputnik_mock.org.contacts
    r = call(esputnik_mock, "DELETE", "/api/v1/contact")
    assert r.status_code == 400


# -- subscribe (§2.6) ----------------------------------------------------------------------
def events_of(mock: EsputnikMock, cid: int) -> list[Any]:
    return [e for e in mock.org.events if e.contact_id == cid]


def test_subscribe_a_new_contact_needs_confirmation_and_fires_the_event(
        esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    out = es.subscribe_contact({"firstName": "Nina", "channels": email("nina@example.org")},
                               groups=["Webinar 2026", "VIP"], subscriptions=["news"],
                               form_type="footer")
    assert out["emailStatus"] == "NEED_CONFIRMATION" and out["new"] is True
    c = esputnik_mock.org.contacts[out["id"]]
    assert not c.confirmed and c.subscriptions == {"news"}
    groups = {g["name"] for g in es.get_contact(out["id"])["groups"]}
    assert groups == {"Webinar 2026", "VIP"}
    assert any(g["name"] == "Webinar 2026" for g in es.list_groups(name="webinar"))
    (event,) = events_of(esputnik_mock, out["id"])
    assert event.type_key == "subscribeFromApi-footer" and event.key_value == str(out["id"])
    assert event.params == [{"name": "ContactId", "value": str(out["id"])},
                            {"name": "EmailAddress", "value": "nina@example.org"}]


def test_subscribe_an_existing_contact_keeps_its_channels(esputnik_mock: EsputnikMock) -> None:
    out = esputnik_mock.client().subscribe_contact(
        {"lastName": "Kovalenko-Shevchenko",
         "channels": email("olena@example.com") + [{"type": "sms", "value": "+380999999999"}]})
    assert out == {"id": OLENA, "emailStatus": "ALREADY_SUBSCRIBED", "new": False}
    c = esputnik_mock.org.contacts[OLENA]
    assert c.values("sms") == ["+380501234567"] and c.last_name == "Kovalenko-Shevchenko"
    assert events_of(esputnik_mock, OLENA)[-1].type_key == "subscribeUpdateFromApi"


def test_subscribe_errors(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    err = raises(InvalidRequest, es.subscribe_contact, {"channels": email("z@example.org")},
                 subscriptions=["nope"])
    assert err.body == "Subscription category with key 'nope' not found"
    assert raises(InvalidRequest, es.subscribe_contact, {"channels": email("z@example.org")},
                  form_type="bad/form").status == 400


# -- search and emails by ids (§2.10, §2.11) -----------------------------------------------
def test_search_pages_with_the_total_count_header(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    page = es.search_contacts(maxrows=10, startindex=41)
    assert page.total == LIVE_CONTACTS and len(page) == 4
    by_id = es.search_contacts(sort_by="contactId", maxrows=2)
    assert [c["id"] for c in by_id] == [OLENA, JOHN]
    assert set(by_id.items[0]) <= {"id", "firstName", "lastName", "channels", "fields",
                                   "addressBookId"}
    es.update_contact(TARAS, {"firstName": "Tarasyk"})
    assert es.search_contacts(maxrows=1).items[0]["id"] == TARAS  # most recently updated


def test_search_filters(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert [c["id"] for c in es.search_contacts(email="OLENA@example.com")] == [OLENA]
    assert [c["id"] for c in es.search_contacts(sms="+380671112233")] == [TARAS]
    assert [c["id"] for c in es.search_contacts(external_customer_id="cust-1002")] == [JOHN]
    assert [c["id"] for c in es.search_contacts(firstname="maria", lastname="GARCIA")] == [MARIA]
    empty = es.search_contacts(email="nobody@example.org")
    assert (empty.items, empty.total) == ([], 0)
    err = raises(InvalidRequest, es.search_contacts, email="a@b.org", sort_by="contactId")
    assert "sortBy" in err.body
    assert es.search_contacts(maxrows=501).items == es.search_contacts(maxrows=500).items


def test_emails_by_ids_is_an_object_for_one_and_an_array_for_more(
        esputnik_mock: EsputnikMock) -> None:
    r = call(esputnik_mock, "GET", "/api/v1/contacts/email", params={"ids": f"{OLENA}"})
    assert r.json() == {"results": {"contactId": OLENA, "email": "olena@example.com"}}
    r = call(esputnik_mock, "GET", "/api/v1/contacts/email",
             params={"ids": f"{OLENA},{TARAS},{JOHN},1"})
    assert r.json() == {"results": [{"contactId": OLENA, "email": "olena@example.com"},
                                    {"contactId": JOHN, "email": "john.smith@example.com"}]}
    assert esputnik_mock.client().get_contact_emails([TARAS]) == []


@pytest.mark.parametrize(("word", "erased"), [("yes", True), ("ON", True), ("1", True),
                                              ("no", False), ("off", False), ("", False)])
def test_query_booleans_take_springs_words(esputnik_mock: EsputnikMock, word: str,
                                           erased: bool) -> None:
    """§13: Spring's StringToBooleanConverter reads on/off and yes/no as well."""
    r = call(esputnik_mock, "DELETE", f"/api/v1/contact/{JOHN}", params={"erase": word})
    assert r.status_code == 200
    assert (JOHN not in esputnik_mock.org.contacts) is erased
    assert call(esputnik_mock, "DELETE", f"/api/v1/contact/{MARIA}",
                params={"erase": "maybe"}).status_code == 400
