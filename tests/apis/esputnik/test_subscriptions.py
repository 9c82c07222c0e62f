"""eSputnik unsubscribed addresses and subscription categories (§2.13, §2.14).

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from typing import Any

import httpx
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.esputnik import Mock as EsputnikMock

OLENA = 100000001
LIVE_CONTACTS = 44


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def test_unsubscribed_add_and_delete_answer_empty_200(esputnik_mock: EsputnikMock) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/emails/unsubscribed/add",
             json={"emails": ["A@x.org", "b@y.org"]})
    assert (r.status_code, r.content) == (200, b"")
    assert esputnik_mock.org.unsubscribed == {"a@x.org", "b@y.org"}
    assert esputnik_mock.client().delete_unsubscribed(["a@x.org"]) is None
    assert esputnik_mock.org.unsubscribed == {"b@y.org"}
    err = raises(InvalidRequest, esputnik_mock.client().add_unsubscribed, ["nope"])
    assert err.body == "'nope' is not valid email"


def test_subscription_categories(esputnik_mock: EsputnikMock) -> None:
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


def test_a_nul_inside_an_unsubscribed_address_is_400(esputnik_mock: EsputnikMock) -> None:
    r = esputnik_mock.http.post("/api/v1/emails/unsubscribed/add", auth=esputnik_mock.auth,
                                json={"emails": ["a\u0000b@example.org"]})
    assert r.status_code == 400 and "is not valid email" in r.text
    assert esputnik_mock.org.unsubscribed == set()
