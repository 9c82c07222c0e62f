"""eSputnik orders (§5, D-4, assumption I): contacts created, order events, updates by
externalOrderId, rejected orders, and the background deletion.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from typing import Any

import httpx
from support import raises

from mailmocks.clients.base import InvalidRequest
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA = 100000001


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def sandbox(mock: EsputnikMock, what: str, **params: Any) -> Any:
    return mock.http.get(f"/_sandbox/{what}", params=params).json()[what]


def order(oid: str, status: str = "INITIALIZED", **extra: Any) -> dict[str, Any]:
    return {"externalOrderId": oid, "status": status, "totalCost": 99.5, "currency": "UAH",
            "date": "2022-05-14T10:11:10.7022176+03:00", **extra}


def test_orders_create_missing_contacts_and_emit_order_events(esputnik_mock: EsputnikMock) -> None:
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


def test_resending_an_external_order_id_updates_the_order(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    es.add_orders([order("o-7", email="olena@example.com")])
    es.add_orders([order("o-7", "CANCELLED", email="olena@example.com", totalCost=10)])
    (stored,) = sandbox(esputnik_mock, "orders")
    assert stored["order"]["status"] == "CANCELLED" and stored["order"]["totalCost"] == 10
    assert [e["eventTypeKey"] for e in sandbox(esputnik_mock, "events", contactId=OLENA)] == [
        "orderINITIALIZED", "orderCANCELLED"]


def test_rejected_orders_and_limits(esputnik_mock: EsputnikMock) -> None:
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


def test_delete_orders_is_an_async_job(esputnik_mock: EsputnikMock) -> None:
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


def test_money_as_text_and_integer_ids_are_read_as_jackson_does(
        esputnik_mock: EsputnikMock) -> None:
    """§13: the WooCommerce plugin sends money as text ("" when absent) and ids as numbers."""
    es = esputnik_mock.client()
    failed = es.add_orders([order("o-9", totalCost="120.50", shipping="", discount="",
                                  taxes="4.2", externalCustomerId=1001, email="w@example.org",
                                  items=[{"externalItemId": 77, "quantity": "2", "cost": 60.25,
                                          "url": False}])])
    assert failed == []
    (stored,) = sandbox(esputnik_mock, "orders")
    data = stored["order"]
    assert (data["totalCost"], data["shipping"], data["discount"], data["taxes"]) == (
        120.5, None, None, 4.2)
    assert data["externalCustomerId"] == "1001"
    assert data["items"] == [{"externalItemId": "77", "quantity": 2, "cost": 60.25,
                              "url": "false"}]
    assert es.search_contacts(external_customer_id="1001").items[0]["id"] == stored["contactId"]


def test_an_order_whose_email_holds_a_nul_is_rejected(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    (failed,) = es.add_orders([order("o-nul", email="x\u0000@example.org")])
    assert "is not valid email" in failed["error"]
    assert sandbox(esputnik_mock, "orders") == []
