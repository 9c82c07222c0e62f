"""eSputnik fake: auth, account, contacts (single, bulk, search, delete, subscribe), unsubscribed
addresses, subscription categories, segments, catalogs, rate limits and the 409 dedupe.

Facts: /work/shared/api-facts/esputnik.md (sections quoted as §n, decisions as D-n). Default
data (fixtures/esputnik.yaml): organisation 734521 "Acme Shop" with contacts 100000001 (Olena,
cust-1001, uk, segments Subscribers+VIP), 100000002 (John, cust-1002), 100000003 (Maria, VIP),
100000004 (Taras, SMS only, uk) and 40 generated subscribers (ids 100000005-100000044);
segments 200101 Subscribers, 200102 VIP (static), 200103 Ukrainian speakers (dynamic),
200104 VIP or Ukrainian (combined); custom fields 15867-15871; categories news, promo, tips.
Organisation 734999 is a second tenant with its own key.
"""
from __future__ import annotations

import base64
from typing import Any

import pytest

from mailmocks.clients.base import ApiError, AuthError, InvalidRequest, NotFound, RateLimited

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
SUBSCRIBERS, VIP, UKRAINIAN, VIP_OR_UK = 200101, 200102, 200103, 200104
OTHER_KEY = "esk_OtherOrg0000000000000000000000"
JSON_UTF8 = "application/json; charset=UTF-8"
LIVE_CONTACTS = 44


def auth(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"any:{key}".encode()).decode()}


def call(mock: Any, method: str, path: str, **kwargs: Any) -> Any:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def raises(kind: type[ApiError], fn: Any, *args: Any, **kwargs: Any) -> ApiError:
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def email(value: str) -> list[dict[str, str]]:
    return [{"type": "email", "value": value}]


# -- auth and account (§1.1, §8, D-1) ------------------------------------------------------
def test_account_info_names_the_organisation(esputnik_mock: Any) -> None:
    info = esputnik_mock.client().get_account_info()
    assert info == {"userEmail": "api-user734521", "organisationName": "Acme Shop",
                    "orgId": 734521}


@pytest.mark.parametrize("headers", [
    {}, auth("wrong-key"), {"Authorization": "Bearer esk_A1b2C3d4E5f6G7h8J9k0L1m2N3o4P5q6"},
    {"Authorization": "Basic !!!not-base64"},
])
def test_a_missing_or_wrong_key_is_a_spring_401(esputnik_mock: Any,
                                                headers: dict[str, str]) -> None:
    r = esputnik_mock.http.get("/api/v1/account/info", headers=headers)
    assert r.status_code == 401
    body = r.json()
    assert {k: body[k] for k in ("status", "error", "message", "path")} == {
        "status": 401, "error": "Unauthorized", "message": "Bad credentials",
        "path": "/api/v1/account/info"}
    assert body["timestamp"].endswith("Z")


def test_any_user_name_works_and_the_client_raises_auth_error(esputnik_mock: Any) -> None:
    r = esputnik_mock.http.get("/api/v1/account/info",
                               headers=auth(esputnik_mock.api_key))
    assert r.status_code == 200 and r.headers["content-type"] == JSON_UTF8
    from mailmocks.clients.esputnik import ESputnik
    bad = ESputnik("nope", base_url=esputnik_mock.base_url, http_client=esputnik_mock.http)
    assert raises(AuthError, bad.get_account_info).status == 401


def test_organisations_never_see_each_other(esputnik_mock: Any) -> None:
    other = esputnik_mock.http.get(f"/api/v1/contact/{OLENA}", headers=auth(OTHER_KEY)).json()
    assert other["firstName"] == "Otto"
    assert esputnik_mock.client().get_contact(OLENA)["firstName"] == "Olena"


def test_a_body_that_is_not_json_is_400_text_and_another_media_type_415(
        esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/contact", content=b"{nope",
             headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("JSON parse error")
    r = call(esputnik_mock, "POST", "/api/v1/contact", data={"channels": "x"})
    assert r.status_code == 415 and "not supported" in r.text


def test_unknown_path_is_404_and_wrong_method_405(esputnik_mock: Any) -> None:
    assert call(esputnik_mock, "GET", "/api/v1/nothing").status_code == 404
    r = call(esputnik_mock, "PATCH", f"/api/v1/contact/{OLENA}")
    assert r.status_code == 405 and "not supported" in r.text


# -- single contacts (§2.1-§2.5) -----------------------------------------------------------
def test_add_contact_creates_a_confirmed_contact_without_events(esputnik_mock: Any) -> None:
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
        esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    assert es.add_contact({"firstName": "Olenka", "channels": email("olena@example.com")}
                          ) == {"id": OLENA}
    assert es.get_contact(OLENA)["firstName"] == "Olenka"
    assert es.add_contact({"externalCustomerId": "cust-1002", "lastName": "Smyth",
                           "channels": email("new-john@example.com")})["id"] == JOHN


def test_the_same_body_within_a_minute_is_409_duplicated_request(esputnik_mock: Any) -> None:
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
])
def test_invalid_contacts_are_400_text_and_store_nothing(esputnik_mock: Any,
                                                         contact: dict[str, Any],
                                                         message: str) -> None:
    before = len(esputnik_mock.org.contacts)
    err = raises(InvalidRequest, esputnik_mock.client().add_contact, contact)
    assert err.status == 400 and message in err.body
    assert len(esputnik_mock.org.contacts) == before


def test_names_follow_the_documented_rules(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    for i, name in enumerate(["Jean-Luc", "O'Neil", "Jr. Mark", "Олена", "Anna 2nd"]):
        es.add_contact({"firstName": name, "channels": email(f"n{i}@example.org")})


def test_get_unknown_contact_is_404_text(esputnik_mock: Any) -> None:
    err = raises(NotFound, esputnik_mock.client().get_contact, 42)
    assert err.body == "Contact with id='42' not found"
    r = call(esputnik_mock, "GET", "/api/v1/contact/abc")
    assert r.status_code == 400 and "For input string" in r.text


def test_update_answers_plain_text_under_a_json_content_type(esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "PUT", f"/api/v1/contact/{JOHN}",
             json={"firstName": "Johnny", "address": {"town": "Leeds"}})
    assert r.status_code == 200 and r.headers["content-type"] == JSON_UTF8
    assert r.text == f"Contact with id='{JOHN}' has been updated"
    got = esputnik_mock.client().get_contact(JOHN)
    assert got["firstName"] == "Johnny" and got["lastName"] == "Smith"
    assert got["address"] == {"town": "Leeds"} and got["channels"] == email(
        "john.smith@example.com")


def test_update_errors(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    assert raises(NotFound, es.update_contact, 7, {"firstName": "X"}).status == 404
    err = raises(InvalidRequest, es.update_contact, JOHN, {"externalCustomerId": "cust-1001"})
    assert "already exists" in err.body
    es.update_contact(JOHN, {"lastName": "Jones"})
    assert raises(ApiError, es.update_contact, JOHN, {"lastName": "Jones"}).status == 409


def test_delete_then_update_restores_and_erase_removes(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    assert es.delete_contact(MARIA) == f"Contact with id='{MARIA}' has been deleted"
    assert raises(NotFound, es.get_contact, MARIA).status == 404
    assert es.search_contacts(email="maria@example.com").total == 0
    es.update_contact(MARIA, {"firstName": "Mariа"})
    assert es.get_contact(MARIA)["lastName"] == "Garcia"
    es.delete_contact(MARIA, erase=True)
    assert MARIA not in esputnik_mock.org.contacts
    assert raises(NotFound, es.delete_contact, MARIA).status == 404


def test_delete_by_external_customer_id(esputnik_mock: Any) -> None:
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
def events_of(mock: Any, cid: int) -> list[Any]:
    return [e for e in mock.org.events if e.contact_id == cid]


def test_subscribe_a_new_contact_needs_confirmation_and_fires_the_event(
        esputnik_mock: Any) -> None:
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


def test_subscribe_an_existing_contact_keeps_its_channels(esputnik_mock: Any) -> None:
    out = esputnik_mock.client().subscribe_contact(
        {"lastName": "Kovalenko-Shevchenko",
         "channels": email("olena@example.com") + [{"type": "sms", "value": "+380999999999"}]})
    assert out == {"id": OLENA, "emailStatus": "ALREADY_SUBSCRIBED", "new": False}
    c = esputnik_mock.org.contacts[OLENA]
    assert c.values("sms") == ["+380501234567"] and c.last_name == "Kovalenko-Shevchenko"
    assert events_of(esputnik_mock, OLENA)[-1].type_key == "subscribeUpdateFromApi"


def test_subscribe_errors(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    err = raises(InvalidRequest, es.subscribe_contact, {"channels": email("z@example.org")},
                 subscriptions=["nope"])
    assert err.body == "Subscription category with key 'nope' not found"
    assert raises(InvalidRequest, es.subscribe_contact, {"channels": email("z@example.org")},
                  form_type="bad/form").status == 400


# -- bulk import (§2.7, §2.8) --------------------------------------------------------------
def import_now(mock: Any, contacts: list[dict[str, Any]], dedupe: str = "email",
               **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    es = mock.client()
    out = es.add_contacts(contacts, dedupe, **options)
    mock.drain()
    return out, es.get_import_status(out["asyncSessionId"])


def test_bulk_import_goes_started_importing_finished_with_the_mapping(
        esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    out = es.add_contacts([{"firstName": "Bulk", "channels": email("bulk1@example.org")},
                           {"firstName": "Olena", "channels": email("olena@example.com")}],
                          "email")
    assert out["id"] == 0 and out["failedContacts"] == []
    sid = out["asyncSessionId"]
    assert es.get_import_status(sid)["status"] == "STARTED"
    assert es.search_contacts(email="bulk1@example.org").total == 0
    esputnik_mock.jobs.run(esputnik_mock.jobs.pending()[0])
    assert es.get_import_status(sid)["status"] == "IMPORTING"
    esputnik_mock.drain()
    status = es.get_import_status(sid)
    assert status["status"] == "FINISHED" and status["timestamp"].endswith("Z")
    new_id = es.search_contacts(email="bulk1@example.org").items[0]["id"]
    assert status["mapping"] == [{"dedupeValue": "bulk1@example.org", "contactId": new_id},
                                 {"dedupeValue": "olena@example.com", "contactId": OLENA}]


def test_bulk_limits_3000_contacts_and_rejects_bad_ones_up_front(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    many = [{"channels": email(f"c{i}@example.org")} for i in range(3001)]
    err = raises(InvalidRequest, es.add_contacts, many, "email")
    assert err.body == "The number of contacts in one request must not exceed 3000"
    out, status = import_now(esputnik_mock, many[:3000])
    assert len(status["mapping"]) == 3000
    r = call(esputnik_mock, "POST", "/api/v1/contacts",
             json={"dedupeOn": "email", "contacts": [{"firstName": "NoChannel"}]})
    assert r.json()["failedContacts"] == {"firstName": "NoChannel",
                                          "error": "Contact must have at least one channel"}
    out, _ = import_now(esputnik_mock, [{"channels": email("bad")}, {"firstName": "X"}])
    assert [f["error"] for f in out["failedContacts"]] == [
        "'bad' is not valid email", "Contact must have at least one channel"]


def test_bulk_external_id_rules(esputnik_mock: Any) -> None:
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


def test_bulk_skips_deleted_contacts_unless_restore_deleted(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    es.delete_contact(JOHN)
    row = [{"firstName": "J", "channels": email("john.smith@example.com")}]
    _, st = import_now(esputnik_mock, row)
    assert st["mapping"] == [] and esputnik_mock.org.contacts[JOHN].deleted
    _, st = import_now(esputnik_mock, row, restore_deleted=True)
    assert st["mapping"][0]["contactId"] == JOHN and es.get_contact(JOHN)["firstName"] == "J"


def test_bulk_updates_only_the_chosen_fields(esputnik_mock: Any) -> None:
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


def test_bulk_segments_events_and_other_dedupe_keys(esputnik_mock: Any) -> None:
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


def test_unknown_import_session_is_404(esputnik_mock: Any) -> None:
    err = raises(NotFound, esputnik_mock.client().get_import_status, "nope")
    assert err.body == "Import session 'nope' not found"


# -- search and emails by ids (§2.10, §2.11) -----------------------------------------------
def test_search_pages_with_the_total_count_header(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    page = es.search_contacts(maxrows=10, startindex=41)
    assert page.total == LIVE_CONTACTS and len(page) == 4
    by_id = es.search_contacts(sort_by="contactId", maxrows=2)
    assert [c["id"] for c in by_id] == [OLENA, JOHN]
    assert set(by_id.items[0]) <= {"id", "firstName", "lastName", "channels", "fields",
                                   "addressBookId"}
    es.update_contact(TARAS, {"firstName": "Tarasyk"})
    assert es.search_contacts(maxrows=1).items[0]["id"] == TARAS  # most recently updated


def test_search_filters(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    assert [c["id"] for c in es.search_contacts(email="OLENA@example.com")] == [OLENA]
    assert [c["id"] for c in es.search_contacts(sms="+380671112233")] == [TARAS]
    assert [c["id"] for c in es.search_contacts(external_customer_id="cust-1002")] == [JOHN]
    assert [c["id"] for c in es.search_contacts(firstname="maria", lastname="GARCIA")] == [MARIA]
    empty = es.search_contacts(email="nobody@example.org")
    assert (empty.items, empty.total) == ([], 0)
    err = raises(InvalidRequest, es.search_contacts, email="a@b.org", sort_by="contactId")
    assert "sortBy" in err.body
    assert raises(InvalidRequest, es.search_contacts, maxrows=501).status == 400


def test_emails_by_ids_is_an_object_for_one_and_an_array_for_more(esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "GET", "/api/v1/contacts/email", params={"ids": f"{OLENA}"})
    assert r.json() == {"results": {"contactId": OLENA, "email": "olena@example.com"}}
    r = call(esputnik_mock, "GET", "/api/v1/contacts/email",
             params={"ids": f"{OLENA},{TARAS},{JOHN},1"})
    assert r.json() == {"results": [{"contactId": OLENA, "email": "olena@example.com"},
                                    {"contactId": JOHN, "email": "john.smith@example.com"}]}
    assert esputnik_mock.client().get_contact_emails([TARAS]) == []


# -- unsubscribed and categories (§2.13, §2.14) -------------------------------------------
def test_unsubscribed_add_and_delete_answer_empty_200(esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/emails/unsubscribed/add",
             json={"emails": ["A@x.org", "b@y.org"]})
    assert (r.status_code, r.content) == (200, b"")
    assert esputnik_mock.org.unsubscribed == {"a@x.org", "b@y.org"}
    assert esputnik_mock.client().delete_unsubscribed(["a@x.org"]) is None
    assert esputnik_mock.org.unsubscribed == {"b@y.org"}
    err = raises(InvalidRequest, esputnik_mock.client().add_unsubscribed, ["nope"])
    assert err.body == "'nope' is not valid email"


def test_subscription_categories(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    cats = es.list_subscription_categories()
    assert [(c["key"], c["contactsCount"]) for c in cats] == [
        ("news", LIVE_CONTACTS), ("promo", LIVE_CONTACTS), ("tips", LIVE_CONTACTS)]
    assert len(es.get_contact_subscriptions(OLENA)) == 3
    assert es.update_contact_subscriptions(OLENA, ["promo"]) == (
        f"Subscriptions of contact with id='{OLENA}' have been updated")
    r = call(esputnik_mock, "GET", f"/api/v1/contact/{OLENA}/subscriptions")
    assert r.json() == {"id": 2, "key": "promo", "groupId": 300002, "name": "Promotions"}
    es.update_contact_subscriptions(OLENA, [])
    assert es.get_contact_subscriptions(OLENA) == []
    err = raises(InvalidRequest, es.update_contact_subscriptions, OLENA, ["zzz"])
    assert err.body == "Subscription category with key 'zzz' not found"
    assert raises(NotFound, es.get_contact_subscriptions, 5).status == 404


# -- segments and catalogs (§3) ------------------------------------------------------------
def test_list_groups_and_their_contacts(esputnik_mock: Any) -> None:
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


def test_attach_and_detach_static_segments(esputnik_mock: Any) -> None:
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


def test_addressbooks_show_the_single_element_quirk(esputnik_mock: Any) -> None:
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


# -- rate limits (§10.1, D-7) --------------------------------------------------------------
def test_search_is_limited_to_50_per_second_then_429_text(esputnik_mock: Any) -> None:
    esputnik_mock.clock.freeze()
    for _ in range(50):
        assert call(esputnik_mock, "GET", "/api/v1/contacts", params={"maxrows": 1}
                    ).status_code == 200
    r = call(esputnik_mock, "GET", "/api/v1/contacts")
    assert (r.status_code, r.text) == (429, "Too many requests")
    assert call(esputnik_mock, "GET", "/api/v1/account/info").status_code == 200
    esputnik_mock.advance(1.0)
    assert call(esputnik_mock, "GET", "/api/v1/contacts").status_code == 200


def test_other_methods_share_200_per_second_and_the_client_retries(esputnik_mock: Any) -> None:
    esputnik_mock.clock.freeze()
    for _ in range(200):
        call(esputnik_mock, "GET", f"/api/v1/contact/{OLENA}")
    assert call(esputnik_mock, "GET", "/api/v1/groups").status_code == 429
    es = esputnik_mock.client(sleep=lambda s: esputnik_mock.advance(1.0))
    assert es.get_account_info()["orgId"] == 734521  # retried after the window moved
    from mailmocks.clients.base import RetryPolicy
    stubborn = esputnik_mock.client(retry=RetryPolicy(attempts=1))
    for _ in range(200):
        call(esputnik_mock, "GET", f"/api/v1/contact/{OLENA}")
    assert raises(RateLimited, stubborn.get_account_info).body == "Too many requests"


def test_template_reads_are_limited_to_500_per_hour(esputnik_mock: Any) -> None:
    esputnik_mock.clock.freeze()
    for i in range(500):
        if i % 10 == 0:
            esputnik_mock.advance(1.0)  # stay under 10 per second
        assert call(esputnik_mock, "GET", "/api/v1/messages/email/3000001").status_code == 200
    esputnik_mock.advance(1.0)
    assert call(esputnik_mock, "GET", "/api/v1/messages/email").status_code == 429
    esputnik_mock.advance(3600)
    assert call(esputnik_mock, "GET", "/api/v1/messages/email").status_code == 200


def test_a_trailing_slash_is_tolerated_like_the_real_server(esputnik_mock: Any) -> None:
    assert call(esputnik_mock, "GET", "/api/v1/account/info/").json()["orgId"] == 734521
    r = call(esputnik_mock, "POST", "/api/v1/contact/",
             json={"channels": email("slash@example.org")})
    assert r.status_code == 200
    assert call(esputnik_mock, "PATCH", "/api/v1/contacts/").status_code == 405
    for path in ("/api/v1/nothing", "/api/v1/nothing/"):
        assert call(esputnik_mock, "GET", path).status_code == 404


@pytest.mark.parametrize(("path", "body", "limit"), [
    ("/api/v2/event", {"eventTypeKey": "ping", "keyValue": "k"}, 350),
    ("/api/v1/messages/email/3000001", None, 10),
])
def test_per_endpoint_limits(esputnik_mock: Any, path: str, body: Any, limit: int) -> None:
    esputnik_mock.clock.freeze()
    method = "POST" if body else "GET"
    for _ in range(limit):
        assert call(esputnik_mock, method, path, json=body).status_code == 200
    assert call(esputnik_mock, method, path, json=body).status_code == 429
    assert call(esputnik_mock, "GET", "/api/v1/groups").status_code == 200  # its own window
