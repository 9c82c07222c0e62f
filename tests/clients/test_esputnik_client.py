"""The eSputnik client: Basic auth, quirk normalisation (object-or-array, stringified scalars,
plain-text and empty 200s, TotalCount), errors and retries, sync and async.

Quirk tests run against httpx.MockTransport with the bodies the vendor's docs show; the
async client also runs against the fake in-process.
"""
from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from mailmocks.clients.base import InvalidRequest, RateLimited, RetryPolicy
from mailmocks.clients.esputnik import AsyncESputnik, ESputnik, Listing, as_list
from mailmocks.testing.esputnik import Mock as EsputnikMock

KEY = "esk_test"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, **options: Any) -> ESputnik:
    options.setdefault("sleep", lambda _s: None)
    return ESputnik(KEY, transport=httpx.MockTransport(handler), **options)


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None,
          text: bool = False) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        h = {"content-type": "application/json; charset=UTF-8", **(headers or {})}
        if body is None:
            return httpx.Response(status, headers=h)
        content = body.encode() if text else orjson.dumps(body)
        if text and status >= 400:
            h["content-type"] = "text/plain; charset=utf-8"
        return httpx.Response(status, content=content, headers=h)
    return handler


def test_as_list() -> None:
    assert as_list(None) == [] and as_list({"a": 1}) == [{"a": 1}] and as_list([1]) == [1]


def test_basic_auth_with_the_key_as_password_and_json_bodies() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 7})

    es = client(handler, base_url="https://esputnik.test/")
    assert es.add_contact({"channels": [{"type": "email", "value": "a@b.c"}]}) == {"id": 7}
    req = seen[0]
    user, _, password = base64.b64decode(req.headers["authorization"][6:]).decode().partition(":")
    assert password == KEY and user
    assert str(req.url) == "https://esputnik.test/api/v1/contact"
    assert req.headers["content-type"] == "application/json"


def test_single_results_objects_and_stringified_scalars_are_normalised() -> None:
    one = {"id": "0", "results": {"id": "0", "locator": "a@b.c", "status": "OK",
                                  "requestId": "r1"}}
    assert client(reply(one)).smartsend(1, [{"locator": "a@b.c"}]) == [
        {"id": 0, "locator": "a@b.c", "status": "OK", "requestId": "r1"}]
    status = {"results": {"requestId": "r1", "status": "DELIVERED", "failed": "false",
                          "delivered": "true"}}
    assert client(reply(status)).get_message_status(["r1"]) == [
        {"requestId": "r1", "status": "DELIVERED", "failed": False, "delivered": True}]
    assert client(reply({"results": []})).get_contact_emails([1]) == []
    bulk = {"id": "0", "asyncSessionId": "s", "failedContacts": {"error": "x"}}
    assert client(reply(bulk)).add_contacts([{}], "email") == {
        "id": 0, "asyncSessionId": "s", "failedContacts": [{"error": "x"}]}


def test_addressbooks_are_always_lists_all_the_way_down() -> None:
    doc = {"addressBook": {"addressBookId": "7200", "name": "Main",
                           "fieldGroups": {"name": "P", "fields": {"id": "1", "name": "B"}}}}
    assert client(reply(doc)).list_addressbooks() == [
        {"addressBookId": 7200, "name": "Main",
         "fieldGroups": [{"name": "P", "fields": [{"id": 1, "name": "B"}]}]}]


def test_plain_text_and_empty_200s() -> None:
    text = "Contact with id='5' has been updated"
    assert client(reply(text, text=True)).update_contact(5, {"firstName": "A"}) == text
    assert client(reply(None)).generate_event("x", {"email": "a@b.c"}) is None
    assert client(reply(None)).add_orders([]) == []  # an empty body means nothing failed


def test_search_reads_the_total_count_header() -> None:
    page = client(reply([{"id": 1}], headers={"TotalCount": "41"})).search_contacts(maxrows=1)
    assert isinstance(page, Listing) and page.total == 41 and list(page) == [{"id": 1}]
    assert client(reply([])).search_email_messages().total is None


def test_parameters_are_camel_cased_and_events_take_a_mapping() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 0, "asyncSessionId": "s"})

    es = client(handler)
    es.add_contacts([{"channels": []}], "fieldId", field_id=3, custom_fields_ids=[3],
                    group_names=["g"], restore_deleted=True, event_key_for_new_contacts="k")
    body = orjson.loads(seen[-1].content)
    assert {k: body[k] for k in ("dedupeOn", "fieldId", "customFieldsIDs", "groupNames",
                                 "restoreDeleted", "eventKeyForNewContacts")} == {
        "dedupeOn": "fieldId", "fieldId": 3, "customFieldsIDs": [3], "groupNames": ["g"],
        "restoreDeleted": True, "eventKeyForNewContacts": "k"}
    es.generate_event("cart", {"items": [{"a": 1}]}, key_value="k")
    assert orjson.loads(seen[-1].content) == {
        "eventTypeKey": "cart", "keyValue": "k", "params": [{"name": "items",
                                                             "value": [{"a": 1}]}]}
    es.search_contacts(external_customer_id="e", sort_by="contactId")
    assert dict(seen[-1].url.params) == {"externalCustomerId": "e", "sortBy": "contactId"}
    es.delete_contact(5, erase=True)
    assert dict(seen[-1].url.params) == {"erase": "true"}
    es.send_viber("t", "e", ["+1"], from_="V", ttl_seconds=5)
    assert orjson.loads(seen[-1].content) == {"text": "t", "iosExpirityText": "e",
                                              "phoneNumbers": ["+1"], "from": "V",
                                              "ttlSeconds": 5}


def test_text_errors_raise_with_the_text_and_429_is_retried() -> None:
    err = pytest.raises(InvalidRequest, client(reply("Invalid first name", 400, text=True))
                        .add_contact, {})
    assert err.value.body == "Invalid first name"
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            return httpx.Response(429, text="Too many requests")
        return httpx.Response(200, json={"userEmail": "u", "organisationName": "o"})

    assert client(flaky).get_account_info()["userEmail"] == "u" and len(calls) == 3
    with pytest.raises(RateLimited):
        client(reply("Too many requests", 429, text=True),
               retry=RetryPolicy(attempts=2)).get_account_info()


def test_the_async_client_against_the_fake(esputnik_mock: EsputnikMock) -> None:
    async def scenario() -> list[Any]:
        transport = httpx.ASGITransport(app=esputnik_mock.sandbox)
        async with httpx.AsyncClient(transport=transport) as http:
            es = AsyncESputnik(esputnik_mock.api_key, base_url=esputnik_mock.base_url,
                               http_client=http)
            info = await es.get_account_info()
            page = await es.search_contacts(maxrows=2)
            (sent,) = await es.smartsend(3000002, [{"locator": "async@example.org",
                                                    "jsonParam": {"promo": "ASYNC"}}])
            esputnik_mock.drain()
            status = await es.get_message_status([sent["requestId"]])
            text = await es.update_contact(100000002, {"firstName": "Async"})
            return [info["orgId"], page.total, status[0]["status"], text]

    org_id, total, status, text = asyncio.run(scenario())
    assert (org_id, total, status) == (734521, 44, "DELIVERED")
    assert text == "Contact with id='100000002' has been updated"
    (msg,) = esputnik_mock.outbox.messages("esputnik")
    assert "Your promo code: ASYNC" in msg.html


def test_balance_and_version_are_plain_gets() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        body = ({"version": "1.0", "protocolVersion": "1.0"} if request.url.path.endswith(
            "version") else {"currentBalance": 5.5, "bonusEmails": 2})
        return httpx.Response(200, content=orjson.dumps(body),
                              headers={"content-type": "application/json; charset=UTF-8"})

    es = client(handler)
    assert es.get_balance()["currentBalance"] == 5.5
    assert es.get_version() == {"version": "1.0", "protocolVersion": "1.0"}
    assert seen == ["GET /api/v1/balance", "GET /api/v1/version"]
