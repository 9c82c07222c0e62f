"""ConvertKit purchases (§10, D-2, D-11, assumptions D and I). References (§n, D-n,
assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}
MISSING_PARAMS = "Your request is missing parameters"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_list_and_get_purchases(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    page = ck.list_purchases()
    assert convertkit_mock.last_status == 200
    assert (page["total_purchases"], page["page"], page["total_pages"]) == (3, 1, 1)
    assert [(p["id"], p["transaction_id"], p["currency"], p["total"])
            for p in page["purchases"]] == [
        (1, "ord-1001", "EUR", 19.0), (2, "ord-1002", "USD", 57.5), (3, "ord-1003", "GBP", 120.0)]
    second = ck.get_purchase(2)
    assert second == page["purchases"][1]  # unwrapped (§10)
    assert second["transaction_time"] == "2025-03-02T12:30:00Z"
    assert second["products"] == [
        {"unit_price": 49.0, "quantity": 1, "sku": "KIT-P", "name": "Pro kit"},
        {"unit_price": 3.0, "quantity": 2, "sku": None, "name": "Sticker pack"}]
    assert second["email_address"] == ck.get_subscriber(2)["subscriber"]["email_address"]
    assert ck.list_purchases(page=2) == {"total_purchases": 3, "page": 2, "total_pages": 1,
                                         "purchases": []}


def test_get_unknown_purchase_is_404(ck: ConvertKit) -> None:
    err = raises(NotFound, ck.get_purchase, 99)
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_purchases_need_the_secret(convertkit_mock: ConvertKitMock) -> None:
    http, key = convertkit_mock.http, convertkit_mock.api_key
    for path in ("/v3/purchases", "/v3/purchases/1"):
        r = http.get(path, params={"api_key": key})
        assert (r.status_code, r.json()) == (401, NO_PERMISSION)  # §10
    r = http.post("/v3/purchases", json={"api_key": key, "purchase": {}})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)


def test_create_purchase_normalises_and_creates_the_subscriber(convertkit_mock: ConvertKitMock,
                                                              ck: ConvertKit) -> None:
    body = ck.create_purchase({
        "transaction_id": "123-abcd-456-efgh", "email_address": "crashoverride@hackers.com",
        "first_name": "Dade", "currency": "jpy", "transaction_time": "2018-03-17 11:28:04",
        "subtotal": 20.0, "tax": 2, "shipping": 2.0, "discount": 3.0, "total": 21.0,
        "status": "paid",
        "products": [{"pid": 9999, "lid": 7777, "name": "Floppy Disk (512k)",
                      "sku": "7890-ijkl", "unit_price": 5.0, "quantity": 2}]})
    assert convertkit_mock.last_status == 201  # D-2
    assert body == {"id": 4, "transaction_id": "123-abcd-456-efgh", "status": "paid",
                    "email_address": "crashoverride@hackers.com", "currency": "JPY",
                    "transaction_time": "2018-03-17T11:28:04Z", "subtotal": 20.0,
                    "shipping": 2.0, "discount": 3.0, "tax": 2.0, "total": 21.0,
                    "products": [{"unit_price": 5.0, "quantity": 2, "sku": "7890-ijkl",
                                  "name": "Floppy Disk (512k)"}]}
    assert ck.get_purchase(4) == body
    assert ck.list_purchases()["total_purchases"] == 4
    found = ck.list_subscribers(email_address="crashoverride@hackers.com")["subscribers"]
    assert [(s["first_name"], s["state"]) for s in found] == [("Dade", "active")]  # D-11


def test_create_purchase_minimal_leaves_unsent_money_null(convertkit_mock: ConvertKitMock,
                                                          ck: ConvertKit) -> None:
    convertkit_mock.clock.freeze(T0)
    body = ck.create_purchase({"transaction_id": "t-1", "email_address": "a@example.com",
                               "currency": "usd",
                               "products": [{"pid": "p1", "lid": "l1", "name": "Mug",
                                             "unit_price": 9.5, "quantity": 1}]})
    assert body["transaction_time"] == "2026-03-01T12:00:00Z"  # defaults to now
    assert (body["status"], body["currency"]) == ("paid", "USD")
    assert [body[k] for k in ("subtotal", "shipping", "discount", "tax", "total")] == [None] * 5
    assert body["products"] == [{"unit_price": 9.5, "quantity": 1, "sku": None, "name": "Mug"}]


def test_purchase_with_existing_transaction_id_updates_it(ck: ConvertKit) -> None:
    existing = ck.get_purchase(1)
    body = ck.create_purchase({"transaction_id": "ord-1001",
                               "email_address": existing["email_address"], "currency": "eur",
                               "total": 38.0,
                               "products": [{"pid": 11, "lid": 1, "name": "Starter kit",
                                             "unit_price": 19.0, "quantity": 2}]})
    assert body["id"] == 1  # D-11
    assert ck.get_purchase(1)["total"] == 38.0
    assert ck.get_purchase(1)["products"][0]["quantity"] == 2
    assert ck.list_purchases()["total_purchases"] == 3


@pytest.mark.parametrize("purchase,message", [
    ({"transaction_id": "", "email_address": "a@b.co", "currency": "usd",
      "products": [{"name": "Floppy Disk (512k)", "unit_price": 5, "quantity": 2, "pid": 1}]},
     "transaction_id can't be blank, Lid can't be blank for product: Floppy Disk (512k)"),
    ({"transaction_id": "t", "currency": "usd", "products": []},
     "email_address can't be blank, products can't be blank"),
    ({"transaction_id": "t", "email_address": "a@b.co",
      "products": [{"name": "Pen", "pid": 1, "lid": 1}]},
     "currency can't be blank, Unit price can't be blank for product: Pen, "
     "Quantity can't be blank for product: Pen"),
    ({}, "transaction_id can't be blank, email_address can't be blank, currency can't be "
         "blank, products can't be blank")])
def test_create_purchase_missing_parameters_is_400(ck: ConvertKit, purchase: dict[str, Any],
                                                   message: str) -> None:
    err = raises(InvalidRequest, ck.create_purchase, purchase)
    assert (err.status, err.body) == (400, {"error": MISSING_PARAMS, "message": message})
    assert ck.list_purchases()["total_purchases"] == 3
    assert ck.list_subscribers(email_address="a@b.co")["total_subscribers"] == 0


@pytest.mark.parametrize("body,word", [
    ({}, "purchase"), ({"purchase": "ord-1"}, "purchase"),
    ({"purchase": {"transaction_id": "t", "email_address": "a@b.co", "currency": "dollars",
                   "products": [{"name": "P", "pid": 1, "lid": 1, "unit_price": 1,
                                 "quantity": 1}]}}, "currency"),
    ({"purchase": {"transaction_id": "t", "email_address": "a@b.co", "currency": "usd",
                   "status": "refunded", "products": [{"name": "P", "pid": 1, "lid": 1,
                                                       "unit_price": 1, "quantity": 1}]}},
     "status"),
    ({"purchase": {"transaction_id": "t", "email_address": "a@b.co", "currency": "usd",
                   "products": [{"name": "P", "pid": 1, "lid": 1, "unit_price": "cheap",
                                 "quantity": 1}]}}, "unit_price")])
def test_create_purchase_wrong_shape_is_422(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                            body: dict[str, Any], word: str) -> None:
    r = convertkit_mock.http.post("/v3/purchases",
                                  json={"api_secret": convertkit_mock.api_secret, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and word in r.json()["message"]
    assert ck.list_purchases()["total_purchases"] == 3
