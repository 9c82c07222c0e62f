"""eSputnik events v1 and v2 (§4, D-5, assumption H): empty 200s, stored per contact, keys
from keyValue or the params, the documented 400s.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA, JOHN, MARIA, TARAS = 100000001, 100000002, 100000003, 100000004


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def sandbox(mock: EsputnikMock, what: str, **params: Any) -> Any:
    return mock.http.get(f"/_sandbox/{what}", params=params).json()[what]


def test_event_v2_answers_an_empty_200_and_is_stored_per_contact(
        esputnik_mock: EsputnikMock) -> None:
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


def test_event_key_comes_from_key_value_or_the_params(esputnik_mock: EsputnikMock) -> None:
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
def test_invalid_events_are_400_text(esputnik_mock: EsputnikMock, body: dict[str, Any],
                                     message: str) -> None:
    r = call(esputnik_mock, "POST", "/api/v2/event", json=body)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith(message)
    assert sandbox(esputnik_mock, "events") == []


def test_event_v1_values_are_strings_as_jackson_reads_them(esputnik_mock: EsputnikMock) -> None:
    """v1 param values bind to a Java String (§13): a number or boolean is taken as its
    text, an object or a list is a 400."""
    r = call(esputnik_mock, "POST", "/api/v1/event",
             json={"eventTypeKey": "x", "keyValue": "k", "params": [{"name": "n", "value": 5},
                                                                   {"name": "b", "value": True}]})
    assert (r.status_code, r.content) == (200, b"")
    (event,) = sandbox(esputnik_mock, "events")
    assert event["params"] == [{"name": "n", "value": "5"}, {"name": "b", "value": "true"}]
    for value in ({"a": 1}, [1]):
        r = call(esputnik_mock, "POST", "/api/v1/event",
                 json={"eventTypeKey": "x", "keyValue": "k",
                       "params": [{"name": "n", "value": value}]})
        assert r.status_code == 400
