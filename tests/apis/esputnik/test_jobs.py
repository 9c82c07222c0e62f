"""eSputnik background work: the import's progress (§2.8), each send's delivery and status
(§6.5, D-9), a template failing in the send job, and the FAQ flows that wait on jobs, in
process and in the running sandbox.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
Prepared messages 3000001 "Order confirmation" (Velocity: data, #foreach, #if/.equals,
nested maps), 3000002 "Welcome" (%FIRSTNAME% and $!data), 3000003 "Cart reminder"
(subscription category `promo`); senders news@/orders@acme-shop.test, SMS `AcmeShop`, Viber
`AcmeViber`; undeliverable: domain bounce.test, phone +380000000000.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mailmocks.clients.esputnik import ESputnik
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004
ORDER_MSG, WELCOME_MSG, CART_MSG = 3000001, 3000002, 3000003


def sandbox(mock: EsputnikMock, what: str, **params: Any) -> Any:
    return mock.http.get(f"/_sandbox/{what}", params=params).json()[what]


def statuses(mock: EsputnikMock, request_ids: list[str]) -> list[str]:
    return [r["status"] for r in mock.client().get_message_status(request_ids)]


def email(value: str) -> list[dict[str, str]]:
    return [{"type": "email", "value": value}]


def order(oid: str, status: str = "INITIALIZED", **extra: Any) -> dict[str, Any]:
    return {"externalOrderId": oid, "status": status, "totalCost": 99.5, "currency": "UAH",
            "date": "2022-05-14T10:11:10.7022176+03:00", **extra}


ORDER_DATA = {"orderNumber": "A-1001", "discount": "0",
              "items": [{"name": "Shampoo", "qty": 2, "price": "441"},
                        {"name": "Comb", "qty": 1, "price": "90"}],
              "delivery": {"method": "Nova Poshta", "city": "Kyiv"}}


# -- the import (§2.8) ---------------------------------------------------------------------
def test_bulk_import_goes_started_importing_finished_with_the_mapping(
        esputnik_mock: EsputnikMock) -> None:
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


# -- sends (§6.5, D-9) ----------------------------------------------------------------------
def test_a_template_that_fails_to_render_ends_in_error(esputnik_mock: EsputnikMock) -> None:
    esputnik_mock.org.messages[WELCOME_MSG].html = "$data.get('a').get(1, 2, 3)"
    (res,) = esputnik_mock.client().smartsend(WELCOME_MSG, [{"locator": "a@b.org",
                                                             "jsonParam": '{"a": {}}'}])
    esputnik_mock.drain()
    assert statuses(esputnik_mock, [res["requestId"]]) == ["ERROR"]


def test_status_lifecycle_unsubscribed_undelivered_and_categories(
        esputnik_mock: EsputnikMock) -> None:
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


# -- the FAQ flows end to end --------------------------------------------------------------
def faq_flow(es: ESputnik, settle: Callable[[], object]) -> dict[str, Any]:
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


def test_faq_flows_in_process(esputnik_mock: EsputnikMock) -> None:
    got = faq_flow(esputnik_mock.client(), esputnik_mock.drain)
    assert got["status"]["status"] == "FINISHED"
    assert [r["status"] for r in got["results"]] == ["UNSUBSCRIBED", "DELIVERED"]
    kinds = [e["eventTypeKey"] for e in sandbox(esputnik_mock, "events",
                                                contactId=got["flow_id"])]
    assert kinds == ["pageView", "orderINITIALIZED", "orderDELIVERED"]
    (send,) = sandbox(esputnik_mock, "sends", requestId=got["sent"])
    assert "Hello Flow," in send["html"] and "<td>Comb</td>" in send["html"]


@pytest.mark.slow
def test_faq_flows_in_the_running_sandbox(esputnik_live: EsputnikMock) -> None:
    """The same flows over a real socket; the sandbox's ticker runs the jobs in real time."""
    with ESputnik(esputnik_live.api_key, base_url=esputnik_live.base_url) as es:
        got = faq_flow(es, lambda: time.sleep(0.3))
        assert [r["status"] for r in got["results"]] == ["UNSUBSCRIBED", "DELIVERED"]
        sends = httpx.get(f"{esputnik_live.base_url}/_sandbox/sends",
                          params={"requestId": got["sent"]}).json()["sends"]
        assert "Delivery: Nova Poshta to Kyiv" in sends[0]["html"]


def test_a_failing_import_or_send_job_ends_in_error_saying_why(
        esputnik_mock: EsputnikMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: a background job that breaks leaves its object in the vendor's ERROR state
    (import status, message status) with the reason, instead of STARTED/IN_QUEUE for ever."""
    from mailmocks.apis.esputnik import jobs

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    es = esputnik_mock.client()
    monkeypatch.setattr(jobs, "import_contacts", broken)
    out = es.add_contacts([{"channels": [{"type": "email", "value": "j@example.org"}]}], "email")
    monkeypatch.setattr(jobs, "personalise", broken)
    (sent,) = es.send_email("news@acme-shop.test", "Hi", "<p>hi</p>", ["k@example.org"])
    esputnik_mock.drain()
    status = es.get_import_status(out["asyncSessionId"])
    assert (status["status"], status["description"]) == ("ERROR", "Import failed: RuntimeError")
    assert es.get_message_status([sent["requestId"]])[0]["status"] == "ERROR"
    (mail,) = esputnik_mock.outbox.messages("esputnik")
    assert mail.meta["error"] == "Rendering failed: RuntimeError"
