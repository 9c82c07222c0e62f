"""ConvertKit params.py: Rails params and ActiveRecord casting (D-13), unit by unit and
through the API: numeric strings for ids and amounts, single ids for lists, booleans as
words, blank values, and the ranges a column can hold. References (§n, D-n) are to
docs/vendors/convertkit.md.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from support import Receiver

from mailmocks.apis.convertkit.params import as_bool, as_ids, as_int, as_money, as_text, as_time
from mailmocks.core import HttpError
from mailmocks.testing.convertkit import Mock as ConvertKitMock


def status_of(fn: Callable[..., object], *args: object) -> int:
    """The status of the vendor error `fn(*args)` raises."""
    with pytest.raises(HttpError) as caught:
        fn(*args)
    return caught.value.reply.status


@pytest.mark.parametrize("value,cast", [(3001, 3001), ("3001", 3001), (" 42 ", 42),
                                        (7.0, 7), ("+5", 5), ("", None), (None, None)])
def test_as_int_reads_numbers_and_numeric_strings(value: Any, cast: int | None) -> None:
    assert as_int(value, "id") == cast


@pytest.mark.parametrize("value", ["12abc", "1.5", 1.5, True, [1], {"a": 1}, 2**63, 1e308,
                                   "99999999999999999999"])
def test_as_int_refuses_what_is_no_id(value: Any) -> None:
    assert status_of(as_int, value, "id") == 422


@pytest.mark.parametrize("value,cast", [(True, True), (False, False), ("false", False),
                                        ("0", False), ("f", False), ("OFF", False),
                                        ("true", True), ("1", True), ("yes", True),
                                        (" ", True), (0, False), (1, True), ("", None),
                                        (None, None)])
def test_as_bool_is_activemodel_boolean(value: Any, cast: bool | None) -> None:
    assert as_bool(value) is cast


def test_as_money_as_ids_as_text_and_as_time() -> None:
    assert as_money("19.99", "price") == 19.99 and as_money(5, "price") == 5.0
    assert as_money("", "price") is None and as_money(" ", "price") is None
    assert status_of(as_money, "1e3", "price") == 422
    assert status_of(as_money, float("inf"), "price") == 422
    assert as_ids(["1", 2, "", None], "tags") == [1, 2] and as_ids("5", "tags") == [5]
    assert [as_text(v) for v in (5, 5.0, 2.5, True, None, "x")] == [
        "5", "5.0", "2.5", "t", None, "x"]
    assert as_time("2018-03-17 11:28:04", "t") == 1521286084.0
    assert as_time("", "t") is None
    assert as_time("9999-12-31T23:59:59Z", "t") == 253402300799.0
    assert status_of(as_time, "9999-12-31T23:59:59-00:01", "t") == 422


def test_webhook_event_ids_may_be_strings(convertkit_mock: ConvertKitMock) -> None:
    """ConvertKitSDK-PHP `create_webhook` sends the event parameter as a string."""
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    for event, param in (("subscriber.form_subscribe", "form_id"),
                         ("subscriber.course_subscribe", "course_id"),
                         ("subscriber.tag_add", "tag_id"),
                         ("subscriber.product_purchase", "product_id")):
        r = http.post("/v3/automations/hooks", json={
            "api_secret": secret, "target_url": "https://hooks.example.com/in",
            "event": {"name": event, param: "3001"}})
        assert r.status_code == 200, r.text
        assert r.json()["rule"]["event"][param] == 3001  # stored and echoed as the id
    r = http.post("/v3/automations/hooks", json={
        "api_secret": secret, "target_url": "https://hooks.example.com/in",
        "event": {"name": "subscriber.form_subscribe", "form_id": "abc"}})
    assert r.status_code == 422


@pytest.mark.slow
def test_a_string_form_id_rule_fires_for_that_form(convertkit_mock: ConvertKitMock,
                                                    receiver: Receiver) -> None:
    http, ck = convertkit_mock.http, convertkit_mock.client()
    for path, form in (("/mine", "3001"), ("/other", "3003")):
        http.post("/v3/automations/hooks", json={
            "api_secret": convertkit_mock.api_secret, "target_url": f"{receiver.url}{path}",
            "event": {"name": "subscriber.form_subscribe", "form_id": form}})
    ck.add_subscriber_to_form(3001, "hooked@example.com")
    convertkit_mock.drain()
    assert len(receiver.bodies("/mine")) == 1 and receiver.bodies("/other") == []


def test_subscribe_tags_as_strings_or_a_single_id(convertkit_mock: ConvertKitMock) -> None:
    http, key = convertkit_mock.http, convertkit_mock.api_key
    ck = convertkit_mock.client()
    cases: list[tuple[str, Any, set[int]]] = [("t1@example.com", ["1", 2], {1, 2}),
                                             ("t2@example.com", "4", {4}),
                                             ("t3@example.com", 5, {5})]
    for email, tags, wanted in cases:
        r = http.post("/v3/forms/3001/subscribe", json={"api_key": key, "email": email,
                                                        "tags": tags, "courses": "4001"})
        assert r.status_code == 200, r.text
        sid = r.json()["subscription"]["subscriber"]["id"]
        assert {t["id"] for t in ck.list_subscriber_tags(sid)["tags"]} == wanted


def test_subscribe_with_a_blank_first_name_keeps_the_name(convertkit_mock: ConvertKitMock) -> None:
    http, key = convertkit_mock.http, convertkit_mock.api_key
    ck = convertkit_mock.client()
    first = http.post("/v3/forms/3001/subscribe", json={"api_key": key, "email": "n@example.com",
                                                        "first_name": "Nina"})
    sid = first.json()["subscription"]["subscriber"]["id"]
    http.post("/v3/tags/1/subscribe", json={"api_key": key, "email": "n@example.com",
                                            "first_name": ""})
    assert ck.get_subscriber(sid)["subscriber"]["first_name"] == "Nina"


def test_field_values_that_are_numbers_are_stored_as_text(convertkit_mock: ConvertKitMock) -> None:
    ck = convertkit_mock.client()
    r = convertkit_mock.http.put("/v3/subscribers/5", json={
        "api_secret": convertkit_mock.api_secret, "fields": {"phone_number": 5551234,
                                                             "company": True}})
    assert r.status_code == 200, r.text
    fields = ck.get_subscriber(5)["subscriber"]["fields"]
    assert (fields["phone_number"], fields["company"]) == ("5551234", "t")


def test_purchase_amounts_as_strings_like_woocommerce(convertkit_mock: ConvertKitMock) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.post("/v3/purchases", json={"api_secret": secret, "purchase": {
        "transaction_id": 1042, "email_address": "woo@example.com", "currency": "gbp",
        "transaction_time": "", "subtotal": "24.00", "total": 24,
        "products": [{"pid": 77, "lid": 301, "name": "Mug", "sku": "", "unit_price": "12.00",
                      "quantity": "2"}]}})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["transaction_id"], body["subtotal"], body["total"]) == ("1042", 24.0, 24.0)
    assert body["products"] == [{"unit_price": 12.0, "quantity": 2, "sku": "", "name": "Mug"}]
    again = http.post("/v3/purchases", json={"api_secret": secret, "purchase": {
        "transaction_id": "1042", "email_address": "woo@example.com", "currency": "GBP",
        "products": [{"pid": 77, "lid": 301, "name": "Mug", "unit_price": 12, "quantity": 3}]}})
    assert again.json()["id"] == body["id"]  # the same transaction, whichever type it came as


@pytest.mark.parametrize("public,stored", [("false", False), ("0", False), (0, False),
                                          ("true", True), ("1", True), ("", False)])
def test_broadcast_public_is_cast(convertkit_mock: ConvertKitMock, public: Any,
                                  stored: bool) -> None:
    r = convertkit_mock.http.post("/v3/broadcasts", json={
        "api_secret": convertkit_mock.api_secret, "public": public, "send_at": ""})
    assert r.status_code == 201, r.text
    assert (r.json()["broadcast"]["public"], r.json()["broadcast"]["send_at"]) == (stored, None)


def test_nested_query_follows_rack() -> None:
    from mailmocks.apis.convertkit.params import nested_query
    assert nested_query([("tags[]", "1"), ("tags[]", "2"), ("fields[last_name]", "Snow"),
                         ("email", "a@x.io"), ("email", "b@x.io")]) == {
        "tags": ["1", "2"], "fields": {"last_name": "Snow"}, "email": "b@x.io"}
    assert nested_query([("tag[][name]", "A"), ("tag[][name]", "B")]) == {
        "tag": [{"name": "A"}, {"name": "B"}]}
    assert nested_query([("event[name]", "subscriber.tag_add"), ("event[tag_id]", "4")]) == {
        "event": {"name": "subscriber.tag_add", "tag_id": "4"}}
    assert status_of(nested_query, [("a", "1"), ("a[b]", "2")]) == 400
    assert status_of(nested_query, [("a[]", "1"), ("a[b]", "2")]) == 400


def test_every_parameter_may_come_in_the_query_string(convertkit_mock: ConvertKitMock) -> None:
    """As the convertkit-ruby gem sends them, recorded against the live API (§1.2 [S7])."""
    http, key, secret = convertkit_mock.http, convertkit_mock.api_key, convertkit_mock.api_secret
    ck = convertkit_mock.client()
    r = http.post("/v3/forms/3001/subscribe", params=[
        ("api_key", key), ("email", "ruby@example.com"), ("first_name", "Ruby"),
        ("fields[last_name]", "Gem"), ("tags[]", "1"), ("tags[]", "3")])
    assert r.status_code == 200, r.text
    sid = r.json()["subscription"]["subscriber"]["id"]
    s = ck.get_subscriber(sid)["subscriber"]
    assert (s["first_name"], s["fields"]["last_name"]) == ("Ruby", "Gem")
    assert {t["id"] for t in ck.list_subscriber_tags(sid)["tags"]} == {1, 3}
    r = http.post("/v3/tags", params=[("api_key", key), ("tag[][name]", "Q1"),
                                      ("tag[][name]", "Q2")])
    assert (r.status_code, [t["name"] for t in r.json()]) == (201, ["Q1", "Q2"])
    r = http.post("/v3/automations/hooks", params=[
        ("api_secret", secret), ("target_url", "https://hooks.example.com/rb"),
        ("event[name]", "subscriber.tag_add"), ("event[tag_id]", "4")])
    assert (r.status_code, r.json()["rule"]["event"]) == (200, {"name": "tag_add", "tag_id": 4})
    r = http.put("/v3/subscribers/1", params=[("api_secret", secret), ("first_name", "A"),
                                              ("first_name[x]", "B")])
    assert r.status_code == 400


def test_nulls_are_no_value(convertkit_mock: ConvertKitMock) -> None:
    """Rails' nil: a null first_name, tags or fields on subscribe adds and changes nothing;
    a null inside the tags is dropped (deep munge); a null first_name on update clears it."""
    http, key, secret = convertkit_mock.http, convertkit_mock.api_key, convertkit_mock.api_secret
    ck = convertkit_mock.client()
    r = http.post("/v3/forms/3001/subscribe", json={"api_key": key, "email": "z@example.com",
                                                    "first_name": "Zoe"})
    sid = r.json()["subscription"]["subscriber"]["id"]
    r = http.post("/v3/forms/3001/subscribe", json={
        "api_key": key, "email": "z@example.com", "first_name": None, "fields": None,
        "tags": None})
    assert r.status_code == 200, r.text
    r = http.post("/v3/tags/2/subscribe", json={"api_key": key, "email": "z@example.com",
                                                "tags": [None, 5]})
    assert r.status_code == 200, r.text
    assert {t["id"] for t in ck.list_subscriber_tags(sid)["tags"]} == {2, 5}
    assert ck.get_subscriber(sid)["subscriber"]["first_name"] == "Zoe"
    r = http.put(f"/v3/subscribers/{sid}", json={"api_secret": secret, "first_name": None})
    assert (r.status_code, r.json()["subscriber"]["first_name"]) == (200, None)


def test_times_parse_as_rails_reads_them(convertkit_mock: ConvertKitMock) -> None:
    """A bare date is midnight UTC; offsets may drop their colon; `z` is `Z`."""
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    for sent, echoed in (("2030-01-01", "2030-01-01T00:00:00.000Z"),
                         ("2030-01-01T09:30:00+0130", "2030-01-01T08:00:00.000Z"),
                         ("2030-01-01 09:00:00z", "2030-01-01T09:00:00.000Z")):
        r = http.post("/v3/broadcasts", json={"api_secret": secret, "send_at": sent})
        assert (r.status_code, r.json()["broadcast"]["send_at"]) == (201, echoed), sent


def test_bodies_are_read_by_content_type_as_rails_does(convertkit_mock: ConvertKitMock) -> None:
    """JSON (and text/x-json) is parsed; a form body nests like Rack's; text/plain is no body,
    so its credential is 'not present' (§1.4)."""
    http, key, secret = convertkit_mock.http, convertkit_mock.api_key, convertkit_mock.api_secret
    ck = convertkit_mock.client()
    form = (f"api_key={key}&email=form%40example.com&first_name=Fo&fields%5Blast_name%5D=Rm"
            "&tags%5B%5D=1&tags%5B%5D=2")
    r = http.post("/v3/forms/3001/subscribe", content=form,
                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    sid = r.json()["subscription"]["subscriber"]["id"]
    assert ck.get_subscriber(sid)["subscriber"]["fields"]["last_name"] == "Rm"
    assert {t["id"] for t in ck.list_subscriber_tags(sid)["tags"]} == {1, 2}
    body = orjson.dumps({"api_secret": secret, "email": "form@example.com"})
    r = http.post("/v3/tags/3/subscribe", content=body, headers={"content-type": "text/x-json"})
    assert r.status_code == 200, r.text
    r = http.post("/v3/tags/3/subscribe", content=body, headers={"content-type": "text/plain"})
    assert (r.status_code, r.json()["message"]) == (401, "API Key not present")
    r = http.post("/v3/tags/3/subscribe", params={"api_secret": secret}, content=body,
                  headers={"content-type": "text/plain"})
    assert (r.status_code, r.json()["message"]) == (422, "Subscriber email is required")
