"""eSputnik fake: events v1/v2, orders, prepared email messages (Velocity), smartsend, direct
email/SMS/Viber sends, message status, the sandbox control routes, and the FAQ flows.

Facts: /work/shared/api-facts/esputnik.md (§n, D-n). Default data: see
test_esputnik_contacts.py; prepared messages 3000001 "Order confirmation" (Velocity: data,
#foreach, #if/.equals, nested maps), 3000002 "Welcome" (%FIRSTNAME% and $!data), 3000003
"Cart reminder" (subscription category `promo`); senders news@/orders@acme-shop.test,
SMS `AcmeShop`, Viber `AcmeViber`; undeliverable: domain bounce.test, phone +380000000000.
"""
from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from mailmocks.apis.esputnik.render import VelocityError, check, render
from mailmocks.clients.base import ApiError, InvalidRequest, NotFound

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
ORDER_MSG, WELCOME_MSG, CART_MSG = 3000001, 3000002, 3000003
JSON_UTF8 = "application/json; charset=UTF-8"
OTHER_KEY = "esk_OtherOrg0000000000000000000000"


def call(mock: Any, method: str, path: str, **kwargs: Any) -> Any:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def raises(kind: type[ApiError], fn: Any, *args: Any, **kwargs: Any) -> ApiError:
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def sandbox(mock: Any, what: str, **params: Any) -> Any:
    return mock.http.get(f"/_sandbox/{what}", params=params).json()[what]


def statuses(mock: Any, request_ids: list[str]) -> list[str]:
    return [r["status"] for r in mock.client().get_message_status(request_ids)]


# -- Velocity (§11) ------------------------------------------------------------------------
def test_velocity_equals_if_foreach_and_quiet_references() -> None:
    t = ("#if($data.get('x').equals('0'))zero#elseif($data.get('x').equals('1'))one"
         "#{else}other#end|$!data.get('missing')|$data.get('missing')|"
         "#foreach($i in $!data.get('items'))[$velocityCount:$!i.get('name')]#end|"
         "$!data.get('items').get(0).get('name')|$data.get('flag')|$data.get('o').get('n')")
    data = {"x": "0", "items": [{"name": "a"}, {"name": "b"}], "flag": True, "o": {"n": 5}}
    assert render(t, data) == "zero||$data.get('missing')|[1:a][2:b]|a|true|5"
    assert render(t, {"x": "1", "items": []}).startswith("one||$data.get('missing')|||")
    assert render(t, {"x": 0}).startswith("other")  # Integer 0 does not equal "0"
    assert render("$data.get('s').toUpperCase() $data.get('s').length()", {"s": "ab"}) == "AB 2"
    with pytest.raises(VelocityError):
        check("#foreach($a in $b) never closed")


# -- events (§4, D-5) ----------------------------------------------------------------------
def test_event_v2_answers_an_empty_200_and_is_stored_per_contact(esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "POST", "/api/v2/event", json={
        "eventTypeKey": "AbandonedCart",
        "params": [{"name": "externalCustomerId", "value": "cust-1001"},
                   {"name": "totalValue", "value": 250.75},
                   {"name": "items", "value": [{"name": "Shampoo", "price": "441"}]}]})
    assert (r.status_code, r.content) == (200, b"")
    (event,) = sandbox(esputnik_mock, "events", contactId=OLENA)
    assert event["eventTypeKey"] == "AbandonedCart" and event["keyValue"] == "cust-1001"
    assert event["params"][2]["value"] == [{"name": "Shampoo", "price": "441"}]
    assert event["version"] == "v2" and event["orgId"] == 734521


def test_event_key_comes_from_key_value_or_the_params(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    assert es.generate_event("viewed", {"email": "john.smith@example.com"}) is None
    assert es.generate_event_v1("viewed", {"phone": "+380671112233"}) is None
    assert es.generate_event("viewed", key_value="maria@example.com") is None
    assert es.generate_event("viewed", {"externalCustomerId": " ", "contactId": OLENA}) is None
    stored = sandbox(esputnik_mock, "events", eventTypeKey="viewed")
    assert [e["contactId"] for e in stored] == [JOHN, TARAS, MARIA, OLENA]
    es.generate_event("viewed", key_value="unknown@example.org")
    assert sandbox(esputnik_mock, "events", eventTypeKey="viewed")[-1]["contactId"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({"eventTypeKey": "x", "params": [{"name": "a", "value": "1"}]},
     "Event must have a keyValue or one of the params contactId, externalCustomerId, email, "
     "phone, pushToken"),
    ({"eventTypeKey": "x", "params": [{"name": "externalCustomerId", "value": "null"}]},
     "Event must have a keyValue"),
    ({"eventTypeKey": "x", "keyValue": "k", "params": [{"name": "a", "value": "1"},
                                                       {"name": "a", "value": "2"}]},
     "Event params must have unique names: 'a' is repeated"),
    ({"eventTypeKey": "x", "keyValue": "k", "params": [{"name": "big", "value": "y" * 21000}]},
     "Event size must not exceed 20 KB"),
    ({"eventTypeKey": "bad/key", "keyValue": "k"}, "Validation failed"),
    ({"eventTypeKey": "OrderFeedback", "params": [{"name": "contactId", "value": "1"}]},
     'The event should have the following params: [ {"name":"EmailAddress","required":true}, '
     '{"name":"orderId","required":true}, {"name":"rating","required":false} ]'),
])
def test_invalid_events_are_400_text(esputnik_mock: Any, body: dict[str, Any],
                                     message: str) -> None:
    r = call(esputnik_mock, "POST", "/api/v2/event", json=body)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith(message)
    assert sandbox(esputnik_mock, "events") == []


def test_event_v1_values_are_strings(esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/event",
             json={"eventTypeKey": "x", "keyValue": "k", "params": [{"name": "n", "value": 5}]})
    assert r.status_code == 400
    r = call(esputnik_mock, "POST", "/api/v1/event",
             json={"eventTypeKey": "x", "keyValue": "k", "params": [{"name": "n", "value": "5"}]})
    assert (r.status_code, r.content) == (200, b"")


# -- orders (§5, D-4) ----------------------------------------------------------------------
def order(oid: str, status: str = "INITIALIZED", **extra: Any) -> dict[str, Any]:
    return {"externalOrderId": oid, "status": status, "totalCost": 99.5, "currency": "UAH",
            "date": "2022-05-14T10:11:10.7022176+03:00", **extra}


def test_orders_create_missing_contacts_and_emit_order_events(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    failed = es.add_orders([order("o-1", email="buyer@example.org", firstName="Bo"),
                            order("o-2", "DELIVERED", externalCustomerId="cust-1001",
                                  firstName="Changed")])
    assert failed == []
    buyer = es.search_contacts(email="buyer@example.org").items[0]
    assert buyer["firstName"] == "Bo"
    assert es.get_contact(OLENA)["firstName"] == "Olena"  # existing contacts stay as they are
    events = sandbox(esputnik_mock, "events")
    assert [(e["eventTypeKey"], e["keyValue"], e["contactId"]) for e in events] == [
        ("orderINITIALIZED", "o-1", buyer["id"]), ("orderDELIVERED", "o-2", OLENA)]
    assert {"name": "orderId", "value": "o-1"} in events[0]["params"]


def test_resending_an_external_order_id_updates_the_order(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    es.add_orders([order("o-7", email="olena@example.com")])
    es.add_orders([order("o-7", "CANCELLED", email="olena@example.com", totalCost=10)])
    (stored,) = sandbox(esputnik_mock, "orders")
    assert stored["order"]["status"] == "CANCELLED" and stored["order"]["totalCost"] == 10
    assert [e["eventTypeKey"] for e in sandbox(esputnik_mock, "events", contactId=OLENA)] == [
        "orderINITIALIZED", "orderCANCELLED"]


def test_rejected_orders_and_limits(esputnik_mock: Any) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/orders", json={"orders": [
        {"externalOrderId": "x"}, order("o-3"), order("o-4", email="a@b.org", date="soon"),
        order("o-5", email="a@b.org")]})
    failed = r.json()["failedOrders"]
    assert [f["error"] for f in failed] == [
        "Required fields are missing: totalCost, status, date, currency",
        "One of externalCustomerId, email or phone is required", "Invalid date: 'soon'"]
    assert failed[0]["order"] == {"externalOrderId": "x"}
    assert [o["externalOrderId"] for o in sandbox(esputnik_mock, "orders")] == ["o-5"]
    err = raises(InvalidRequest, esputnik_mock.client().add_orders,
                 [order(f"o{i}", email="a@b.org") for i in range(1001)])
    assert err.body == "The number of orders in one request must not exceed 1000"


def test_delete_orders_is_an_async_job(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    es.add_orders([order("a", email="a@b.org", date="2025-01-01T10:00:00Z"),
                   order("b", email="a@b.org", date="2025-01-01T20:00:00Z"),
                   order("c", email="a@b.org", date="2025-01-03T10:00:00Z")])
    assert es.delete_orders(external_order_id="c") is None
    assert len(sandbox(esputnik_mock, "orders")) == 3
    esputnik_mock.drain()
    es.delete_orders(from_="2025-01-01T09:00:00", to="2025-01-01T12:00:00")
    esputnik_mock.drain()
    assert [o["externalOrderId"] for o in sandbox(esputnik_mock, "orders")] == ["b"]
    for kwargs, message in [
        ({}, "Either externalOrderId or both from and to are required"),
        ({"from_": "2025-01-01"}, "Either externalOrderId"),
        ({"from_": "2025-01-01 10:00", "to": "2025-01-01T11:00:00"}, "Invalid from date"),
        ({"from_": "2025-01-02T10:00:00", "to": "2025-01-01T11:00:00"}, "from must be earlier"),
        ({"from_": "2025-01-01T10:00:00", "to": "2025-01-02T11:00:00"},
         "The period must not exceed 24"),
    ]:
        assert raises(InvalidRequest, es.delete_orders, **kwargs).body.startswith(message)


# -- prepared messages (§7) ----------------------------------------------------------------
def test_prepared_message_crud(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    created = es.create_email_message("Spring sale", '"Acme" <news@acme-shop.test>',
                                      "Sale for $!data.get('name')",
                                      "<p>#if($data.get('vip'))VIP#end</p>", tags=["sale"],
                                      css="p{}", subscriptions_keys=["promo"])
    mid = created["id"]
    got = es.get_email_message(mid)
    assert got["htmlText"] == "<p>#if($data.get('vip'))VIP#end</p>" and got["css"] == "p{}"
    assert got["tags"] == ["sale"] and got["subscriptionsKeys"] == ["promo"]
    found = es.search_email_messages(search="SALE")
    assert found.total == 1 and found.items[0]["id"] == mid
    assert es.search_email_messages(search="cart").total == 1  # by tag
    assert es.search_email_messages().total == 4
    assert es.update_email_message(mid, "Summer sale", "news@acme-shop.test", "Hi",
                                   "<p>new</p>") is None
    assert es.get_email_message(mid)["name"] == "Summer sale"
    assert es.delete_email_message(mid) is None
    err = raises(NotFound, es.get_email_message, mid)
    assert err.body == f"Message with id='{mid}' not found"
    assert raises(NotFound, es.delete_email_message, mid).status == 404


def test_prepared_message_validation(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    err = raises(InvalidRequest, es.create_email_message, "n", "spoof@evil.test", "s", "<p/>")
    assert err.body == "Sender 'spoof@evil.test' is not valid"
    err = raises(InvalidRequest, es.create_email_message, "n", "news@acme-shop.test", "s",
                 "#if($x) no end")
    assert err.body.startswith("htmlText: Velocity syntax error")
    r = call(esputnik_mock, "POST", "/api/v1/messages/email", json={"name": "n"})
    assert r.status_code == 400 and "from" in r.text


# -- smartsend (§6.1) ----------------------------------------------------------------------
ORDER_DATA = {"orderNumber": "A-1001", "discount": "0",
              "items": [{"name": "Shampoo", "qty": 2, "price": "441"},
                        {"name": "Comb", "qty": 1, "price": "90"}],
              "delivery": {"method": "Nova Poshta", "city": "Kyiv"}}


def test_smartsend_renders_velocity_data_conditions_and_loops(esputnik_mock: Any) -> None:
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


def test_smartsend_other_branches_and_quiet_references(esputnik_mock: Any) -> None:
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
        esputnik_mock: Any) -> None:
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


def test_smartsend_errors(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    assert raises(NotFound, es.smartsend, 42, [{"locator": "a@b.org"}]).body == (
        "Message with id='42' not found")
    err = raises(InvalidRequest, es.smartsend, WELCOME_MSG,
                 [{"locator": f"p{i}@b.org"} for i in range(1001)])
    assert err.body == "The number of recipients must not exceed 1000"
    assert raises(InvalidRequest, es.smartsend, WELCOME_MSG, []).status == 400


def test_a_template_that_fails_to_render_ends_in_error(esputnik_mock: Any) -> None:
    esputnik_mock.org.messages[WELCOME_MSG].html = "$data.get('a').get(1, 2, 3)"
    (res,) = esputnik_mock.client().smartsend(WELCOME_MSG, [{"locator": "a@b.org",
                                                             "jsonParam": '{"a": {}}'}])
    esputnik_mock.drain()
    assert statuses(esputnik_mock, [res["requestId"]]) == ["ERROR"]


def test_status_lifecycle_unsubscribed_undelivered_and_categories(esputnik_mock: Any) -> None:
    es = esputnik_mock.client()
    es.add_unsubscribed(["maria@example.com"])
    es.update_contact_subscriptions(JOHN, ["news"])
    results = es.smartsend(CART_MSG, [
        {"locator": "maria@example.com", "jsonParam": '{"cartItems": [{"name": "Mug"}]}'},
        {"locator": "x@bounce.test"}, {"locator": "y@nowhere.invalid"},
        {"contactId": JOHN}, {"contactId": OLENA}])
    ids = [r["requestId"] for r in results]
    esputnik_mock.drain()
    assert statuses(esputnik_mock, ids) == [
        "UNSUBSCRIBED", "UNDELIVERED", "UNDELIVERED", "UNSUBSCRIBED", "DELIVERED"]
    got = es.get_message_status(ids[:2])
    assert got[0] == {"requestId": ids[0], "status": "UNSUBSCRIBED", "failed": True,
                      "delivered": False}
    es.delete_unsubscribed(["maria@example.com"])
    (again,) = es.smartsend(CART_MSG, [{"locator": "maria@example.com"}])
    esputnik_mock.drain()
    assert statuses(esputnik_mock, [again["requestId"]]) == ["DELIVERED"]


def test_message_status_shapes(esputnik_mock: Any) -> None:
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


def test_read_and_clicked_only_through_the_sandbox(esputnik_mock: Any) -> None:
    (res,) = esputnik_mock.client().smartsend(WELCOME_MSG, [{"locator": "a@b.org"}])
    rid = res["requestId"]
    early = esputnik_mock.http.post(f"/_sandbox/sends/{rid}/status", json={"status": "READ"})
    assert early.status_code == 409
    esputnik_mock.drain()
    for status in ("READ", "CLICKED"):
        r = esputnik_mock.http.post(f"/_sandbox/sends/{rid}/status", json={"status": status})
        assert r.json() == {"requestId": rid, "status": status}
    assert esputnik_mock.client().get_message_status([rid])[0]["delivered"] is True
    assert esputnik_mock.http.post("/_sandbox/sends/nope/status",
                                   json={"status": "READ"}).status_code == 404
    assert esputnik_mock.http.post(f"/_sandbox/sends/{rid}/status",
                                   json={"status": "SPAM"}).status_code == 400


# -- direct sends (§6.2-§6.4) --------------------------------------------------------------
def test_send_email_personalises_profile_tags(esputnik_mock: Any) -> None:
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


def test_send_sms_to_numbers_or_a_segment(esputnik_mock: Any) -> None:
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


def test_send_viber(esputnik_mock: Any) -> None:
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


# -- the FAQ flows end to end (issue "Done when") ------------------------------------------
def faq_flow(es: Any, settle: Any) -> dict[str, Any]:
    """Bulk import + poll; unsubscribe then send; an event; orders + update; smartsend."""
    out = es.add_contacts([{"firstName": "Flow", "channels": email("flow@example.org")},
                           {"firstName": "Gone", "channels": email("gone@example.org")}],
                          "email")
    settle()
    status = es.get_import_status(out["asyncSessionId"])
    flow_id = status["mapping"][0]["contactId"]
    es.add_unsubscribed(["gone@example.org"])
    (unsub,) = es.smartsend(WELCOME_MSG, [{"locator": "gone@example.org"}])
    es.generate_event("pageView", {"email": "flow@example.org", "page": "/pricing"})
    es.add_orders([order("faq-1", email="flow@example.org")])
    es.add_orders([order("faq-1", "DELIVERED", email="flow@example.org")])
    (sent,) = es.smartsend(ORDER_MSG, [{"contactId": flow_id, "jsonParam": ORDER_DATA}])
    settle()
    return {"status": status, "flow_id": flow_id,
            "results": es.get_message_status([unsub["requestId"], sent["requestId"]]),
            "sent": sent["requestId"]}


def email(value: str) -> list[dict[str, str]]:
    return [{"type": "email", "value": value}]


def test_faq_flows_in_process(esputnik_mock: Any) -> None:
    got = faq_flow(esputnik_mock.client(), esputnik_mock.drain)
    assert got["status"]["status"] == "FINISHED"
    assert [r["status"] for r in got["results"]] == ["UNSUBSCRIBED", "DELIVERED"]
    kinds = [e["eventTypeKey"] for e in sandbox(esputnik_mock, "events",
                                                contactId=got["flow_id"])]
    assert kinds == ["pageView", "orderINITIALIZED", "orderDELIVERED"]
    (send,) = sandbox(esputnik_mock, "sends", requestId=got["sent"])
    assert "Hello Flow," in send["html"] and "<td>Comb</td>" in send["html"]


@pytest.mark.slow
def test_faq_flows_in_the_running_sandbox(esputnik_live: Any) -> None:
    """The same flows over a real socket; the sandbox's ticker runs the jobs in real time."""
    import time

    from mailmocks.clients.esputnik import ESputnik

    with ESputnik(esputnik_live.api_key, base_url=esputnik_live.base_url) as es:
        got = faq_flow(es, lambda: time.sleep(0.3))
        assert [r["status"] for r in got["results"]] == ["UNSUBSCRIBED", "DELIVERED"]
        sends = httpx.get(f"{esputnik_live.base_url}/_sandbox/sends",
                          params={"requestId": got["sent"]}).json()["sends"]
        assert "Delivery: Nova Poshta to Kyiv" in sends[0]["html"]
