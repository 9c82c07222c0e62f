"""eSputnik account info (§1.1): the call the docs use to test a key.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from mailmocks.clients.esputnik import ESputnik
from mailmocks.testing.esputnik import Mock as EsputnikMock


def test_account_info_names_the_organisation(esputnik_mock: EsputnikMock) -> None:
    info = esputnik_mock.client().get_account_info()
    assert info == {"userEmail": "api-user734521", "organisationName": "Acme Shop",
                    "orgId": 734521}


def test_balance_spends_prepaid_emails_then_money(esputnik_mock: EsputnikMock) -> None:
    """§1.2: the fixture gives Acme 3 prepaid emails, 1250.5 UAH and 0.05 per email."""
    es = esputnik_mock.client()
    before = es.get_balance()
    assert before == {"currentBalance": 1250.5, "creditLimit": 100, "currency": "UAH",
                      "sendersReservedBalances": {}, "bonusEmails": 3, "bonusSmses": 0}
    es.send_email("news@acme-shop.test", "Hi", "<p>hi</p>",
                  [f"p{i}@example.org" for i in range(5)])
    after = es.get_balance()
    assert (after["bonusEmails"], after["currentBalance"]) == (0, 1250.4)
    es.send_sms("AcmeShop", "hello", ["+380501112233"])
    assert es.get_balance()["currentBalance"] == 1249.2
    other = ESputnik("esk_OtherOrg0000000000000000000000", base_url=esputnik_mock.base_url,
                     http_client=esputnik_mock.http).get_balance()
    assert other["currentBalance"] == 0 and other["bonusEmails"] == 0  # nothing shared


def test_version_answers_the_fixture_values(esputnik_mock: EsputnikMock) -> None:
    assert esputnik_mock.client().get_version() == {"version": "1.0", "protocolVersion": "1.0"}


def test_a_send_the_balance_cannot_pay_for_ends_no_money(esputnik_mock: EsputnikMock) -> None:
    """Credit is 100 UAH: below -100 an SMS (1.2 UAH) is not charged and ends NO_MONEY."""
    es = esputnik_mock.client()
    esputnik_mock.org.balance.current = -98.0
    paid, refused = es.send_sms("AcmeShop", "hello", ["+380501112233", "+380501112244"])
    esputnik_mock.drain()
    statuses = es.get_message_status([paid["requestId"], refused["requestId"]])
    assert [s["status"] for s in statuses] == ["DELIVERED", "NO_MONEY"]
    assert es.get_balance()["currentBalance"] == -99.2
    assert esputnik_mock.outbox.messages("esputnik")[-1].status == "NO_MONEY"
