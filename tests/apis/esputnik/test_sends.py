"""eSputnik sends (§6, assumptions K, L): smartsend with Velocity data, results per
recipient, direct email (profile merge tags), SMS and Viber, and the message status shapes.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
Prepared messages 3000001 "Order confirmation" (Velocity: data, #foreach, #if/.equals,
nested maps), 3000002 "Welcome" (%FIRSTNAME% and $!data), 3000003 "Cart reminder"
(subscription category `promo`); senders news@/orders@acme-shop.test, SMS `AcmeShop`, Viber
`AcmeViber`; undeliverable: domain bounce.test, phone +380000000000.
"""
from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
ORDER_MSG, WELCOME_MSG, CART_MSG = 3000001, 3000002, 3000003
OTHER_KEY = "esk_OtherOrg0000000000000000000000"


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def sandbox(mock: EsputnikMock, what: str, **params: Any) -> Any:
    return mock.http.get(f"/_sandbox/{what}", params=params).json()[what]


def statuses(mock: EsputnikMock, request_ids: list[str]) -> list[str]:
    return [r["status"] for r in mock.client().get_message_status(request_ids)]


# -- smartsend (§6.1) ----------------------------------------------------------------------
ORDER_DATA = {"orderNumber": "A-1001", "discount": "0",
              "items": [{"name": "Shampoo", "qty": 2, "price": "441"},
                        {"name": "Comb", "qty": 1, "price": "90"}],
              "delivery": {"method": "Nova Poshta", "city": "Kyiv"}}


def test_smartsend_renders_velocity_data_conditions_and_loops(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    (result,) = es.smartsend(ORDER_MSG, [{"locator": "olena@example.com",
                                          "jsonParam": orjson.dumps(ORDER_DATA).decode(),
                                          "externalRequestId": "ext-1"}])
    assert result["status"] == "OK" and result["id"] == 0
    rid = result["requestId"]
    assert statuses(esputnik_mock, [rid]) == ["IN_QUEUE"]
    esputnik_mock.drain()
    assert statuses(esputnik_mock, [rid]) == ["DELIVERED"]
    (send,) = sandbox(esputnik_mock, "sends", requestId=rid)
    html = send["html"]
    assert send["subject"] == "Order A-1001 is confirmed"
    assert "Hello Olena," in html and "<b>A-1001</b>" in html
    assert "<td>1</td><td>Shampoo</td><td>2</td><td>441</td>" in html
    assert "<td>2</td><td>Comb</td><td>1</td><td>90</td>" in html
    assert "No discount was applied." in html and "You saved" not in html
    assert "Delivery: Nova Poshta to Kyiv" in html
    (msg,) = esputnik_mock.outbox.messages("esputnik")
    assert msg.to == "olena@example.com" and msg.sender == '"Acme Shop" <orders@acme-shop.test>'
    assert [s for s, _ in msg.history] == ["IN_QUEUE", "DELIVERED"]
    assert msg.data == ORDER_DATA and msg.meta["externalRequestId"] == "ext-1"


def test_smartsend_other_branches_and_quiet_references(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    data = {**ORDER_DATA, "discount": "15", "items": [], "delivery": {}}
    es.smartsend(ORDER_MSG, [{"contactId": JOHN, "jsonParam": orjson.dumps(data).decode()}],
                 from_name="Acme Orders")
    es.smartsend(WELCOME_MSG, [{"externalCustomerId": "cust-1001"}])
    esputnik_mock.drain()
    order_mail, welcome = esputnik_mock.outbox.messages("esputnik")
    assert order_mail.to == "john.smith@example.com"
    assert order_mail.sender == '"Acme Orders" <orders@acme-shop.test>'
    assert "You saved 15%." in order_mail.html and "<tr>" not in order_mail.html
    assert "Delivery:  to " in order_mail.html  # $! prints nothing for what is missing
    assert welcome.subject == "Welcome to Acme, Olena"
    assert "Your promo code: </p>" in welcome.html and "VIP" not in welcome.html


def test_smartsend_results_are_an_array_for_several_recipients_with_errors(
        esputnik_mock: EsputnikMock) -> None:
    r = call(esputnik_mock, "POST", f"/api/v1/message/{WELCOME_MSG}/smartsend", json={
        "email": True, "recipients": [
            {"locator": "new.person@example.org", "jsonParam": '{"promo": "SPRING"}'},
            {"locator": "bad-address"}, {"contactId": TARAS}, {"contactId": 5},
            {"locator": "a@example.org", "jsonParam": "[1, 2]"}, {"jsonParam": "{}"}]})
    body = r.json()
    assert body["id"] == 0
    ok, *errors = body["results"]
    assert ok["status"] == "OK" and ok["locator"] == "new.person@example.org"
    assert [e["message"] for e in errors] == [
        "'bad-address' is not valid email", f"Contact with id='{TARAS}' has no email",
        "Contact with id='5' not found", "jsonParam must hold a JSON object",
        "Recipient must have a locator, contactId or externalCustomerId"]
    assert all(e["status"] == "ERROR" and "requestId" not in e for e in errors)
    created = esputnik_mock.client().search_contacts(email="new.person@example.org").items[0]
    assert created["channels"] == [{"type": "email", "value": "new.person@example.org"}]
    r = call(esputnik_mock, "POST", f"/api/v1/message/{WELCOME_MSG}/smartsend",
             json={"recipients": [{"locator": "solo@example.org"}]})
    assert isinstance(r.json()["results"], dict)  # one recipient: an object


def test_smartsend_errors(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    assert raises(NotFound, es.smartsend, 42, [{"locator": "a@b.org"}]).body == (
        "Message with id='42' not found")
    err = raises(InvalidRequest, es.smartsend, WELCOME_MSG,
                 [{"locator": f"p{i}@b.org"} for i in range(1001)])
    assert err.body == "The number of recipients must not exceed 1000"
    assert raises(InvalidRequest, es.smartsend, WELCOME_MSG, []).status == 400


def test_message_status_shapes(esputnik_mock: EsputnikMock) -> None:
    (res,) = esputnik_mock.client().smartsend(WELCOME_MSG, [{"locator": "a@b.org"}])
    rid = res["requestId"]
    r = call(esputnik_mock, "GET", "/api/v1/message/status", params={"ids": f"{rid},nope"})
    assert r.json() == {"results": {"requestId": rid, "status": "IN_QUEUE", "failed": False,
                                    "delivered": False}}
    assert call(esputnik_mock, "GET", "/api/v1/message/status",
                params={"ids": "nope"}).json() == {"results": []}
    other = esputnik_mock.http.get(
        "/api/v1/message/status", params={"ids": rid},
        headers={"Authorization": "Basic " + base64.b64encode(f"u:{OTHER_KEY}".encode())
                 .decode()})
    assert other.json() == {"results": []}  # another organisation's send


# -- direct sends (§6.2-§6.4) --------------------------------------------------------------
def test_send_email_personalises_profile_tags(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    results = es.send_email('"Acme" <news@acme-shop.test>', "Hi %FIRSTNAME%",
                            "<p>Hello %FIRSTNAME% from %PERSONAL.CITY%</p>",
                            ["olena@example.com", "nope"], tags=["t"],
                            external_request_id="batch-7")
    assert [r["status"] for r in results] == ["OK", "ERROR"]
    es.send_email("news@acme-shop.test", "Raw %FIRSTNAME%", "<p>%FIRSTNAME%</p>",
                  ["olena@example.com"], skip_personalisation=True)
    esputnik_mock.drain()
    first, raw = esputnik_mock.outbox.messages("esputnik")
    assert first.subject == "Hi Olena" and first.html == "<p>Hello Olena from Kyiv</p>"
    assert first.text == "Hello Olena from Kyiv" and first.meta["externalRequestId"] == "batch-7"
    assert raw.subject == "Raw %FIRSTNAME%"
    err = raises(InvalidRequest, es.send_email, "x@evil.test", "s", "h", ["a@b.org"])
    assert err.body == "Sender 'x@evil.test' is not valid"


def test_send_sms_to_numbers_or_a_segment(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    results = es.send_sms("AcmeShop", "Sale today", phone_numbers=[
        "+380501234567", "+380000000000", "12ab"])
    assert [r["status"] for r in results] == ["OK", "OK", "ERROR"]
    esputnik_mock.drain()
    assert statuses(esputnik_mock, [r["requestId"] for r in results[:2]]) == [
        "DELIVERED", "SMS_UNDELIVERED_STATE"]
    vip = es.send_sms("AcmeShop", "VIP news", group_id=200102)
    assert [r["locator"] for r in vip] == ["+380501234567", "+34600123456"]
    sms = esputnik_mock.outbox.messages("esputnik", channel="sms")
    assert sms[0].text == "Sale today" and sms[0].sender == "AcmeShop"
    for kwargs, message in [({}, "phoneNumbers or groupId is required"),
                            ({"phone_numbers": ["+380501234567"], "group_id": 200102},
                             "Use either phoneNumbers or groupId, not both")]:
        assert raises(InvalidRequest, es.send_sms, "AcmeShop", "t", **kwargs).body == message
    assert raises(InvalidRequest, es.send_sms, "Nobody", "t", ["+380501234567"]).status == 400
    assert raises(NotFound, es.send_sms, "AcmeShop", "t", group_id=77).status == 404


def test_send_viber(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    (ok, bad) = es.send_viber("Hello", "Open Viber", ["+380671112233", "+380000000000"],
                              ttl_seconds=3600)
    esputnik_mock.drain()
    assert statuses(esputnik_mock, [ok["requestId"], bad["requestId"]]) == [
        "DELIVERED", "VIBER_UNKNOWN_USER"]
    other = esputnik_mock.http.post(
        "/api/v1/message/viber", json={"text": "t", "iosExpirityText": "e",
                                       "phoneNumbers": ["+380671112233"]},
        headers={"Authorization": "Basic " + base64.b64encode(f"u:{OTHER_KEY}".encode())
                 .decode()})
    assert (other.status_code, other.text) == (
        400, "from is required: the account has more than one sender")


def test_message_status_without_ids_is_400(esputnik_mock: EsputnikMock) -> None:
    """`ids` is optional in [S1]; without any requestId there is nothing to report."""
    for params in ({}, {"ids": " , "}):
        r = esputnik_mock.http.get("/api/v1/message/status", params=params,
                                   auth=esputnik_mock.auth)
        assert r.status_code == 400 and r.text.startswith("ids is required")


def test_a_json_param_nested_too_deeply_is_an_error_result(esputnik_mock: EsputnikMock) -> None:
    """§13: what is queued must be readable again (the outbox shows each message's data)."""
    es = esputnik_mock.client()
    deep = "[" * 300 + "]" * 300
    (result,) = es.smartsend(3000002, [{"locator": "olena@example.com",
                                        "jsonParam": f'{{"promo": {deep}}}'}])
    assert result["status"] == "ERROR" and "nests deeper than 200" in result["message"]
    assert esputnik_mock.outbox.messages("esputnik") == []
