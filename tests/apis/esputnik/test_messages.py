"""eSputnik prepared email messages (§7, assumption J): CRUD, search by name or tag, the
Velocity checks on save, any sender saved (a known one is needed to send).

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from typing import Any

import httpx
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.esputnik import Mock as EsputnikMock


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


def test_prepared_message_crud(esputnik_mock: EsputnikMock) -> None:
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


def test_prepared_message_validation(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    # any sender may be saved (assumption J); sending it needs a known one (§6.2)
    mid = es.create_email_message("n", '"Someone" spoof@evil.test', "s", "<p/>")["id"]
    assert es.get_email_message(mid)["from"] == '"Someone" spoof@evil.test'
    err = raises(InvalidRequest, es.smartsend, mid, [{"locator": "olena@example.com"}])
    assert err.body == "Sender '\"Someone\" spoof@evil.test' is not valid"
    err = raises(InvalidRequest, es.create_email_message, "n", "news@acme-shop.test", "s",
                 "#if($x) no end")
    assert err.body.startswith("htmlText: Velocity syntax error")
    r = call(esputnik_mock, "POST", "/api/v1/messages/email", json={"name": "n"})
    assert r.status_code == 400 and "from" in r.text
