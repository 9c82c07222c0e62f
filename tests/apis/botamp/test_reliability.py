"""Botamp: a control character inside an email or a field is refused like any invalid value
(issue 18): no address holds one, and no Postgres text column of a Rails app could store a
NUL. Facts: docs/vendors/botamp.md (assumptions B and D)."""
from __future__ import annotations

import pytest

from mailmocks.testing.botamp import Mock as BotampMock

SINGLE = "/api/subscribers/create_or_update"
MANY = "/api/subscribers/create_or_update_many"


def post(mock: BotampMock, path: str, body: object) -> tuple[int, object]:
    r = mock.http.post(path, json=body, headers={"authorization": f"Bearer {mock.api_key}"})
    return r.status_code, r.json()


@pytest.mark.parametrize("email", ["nul\x00@example.com", "a@exa\x00mple.com",
                                   "bell\x07@example.com", "del\x7f@example.com",
                                   "tab\t@example.com"])
def test_a_control_character_in_an_email_is_invalid(botamp_mock: BotampMock,
                                                   email: str) -> None:
    before = len(botamp_mock.account.subscribers)
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": email}}) == (
        400, {"error": "Email is invalid"})
    assert len(botamp_mock.account.subscribers) == before


def test_a_nul_in_a_field_or_tag_is_invalid(botamp_mock: BotampMock) -> None:
    email = "fine@atelier-lumiere.fr"
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": email, "name": "A\x00B"}}) == (
        400, {"error": "Name is invalid"})
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": email, "tags": ["x\x00"]}}) == (
        400, {"error": "Tags is invalid"})
    assert botamp_mock.subscriber(email) is None
    # tabs and line breaks are text: an address over two lines is a valid field
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": email,
                                                     "address": "1 rue X\r\nParis"}}) == (200, {})


def test_a_batch_skips_an_entry_with_a_nul_email(botamp_mock: BotampMock) -> None:
    status, _ = post(botamp_mock, MANY, {"subscribers": [{"email": "x\x00y@example.com"},
                                                         {"email": "ok@atelier-lumiere.fr"}]})
    assert status == 200
    botamp_mock.drain()
    assert botamp_mock.subscriber("ok@atelier-lumiere.fr") is not None
    [report] = [m for m in botamp_mock.outbox.messages("botamp")]
    assert "Email is invalid" in report.text


def test_numbers_and_booleans_are_stored_as_text(botamp_mock: BotampMock) -> None:
    """Rails' string cast (assumption J): 5 is "5", true is "t"; nulls leave an array."""
    email = "typed@atelier-lumiere.fr"
    assert post(botamp_mock, SINGLE, {"subscriber": {
        "email": email, "postal_code": 75011, "name": 5.0, "company_name": True,
        "tags": [2026, None, "vip", False]}}) == (200, {})
    s = botamp_mock.subscriber(email)
    assert s is not None
    assert (s.postal_code, s.name, s.company_name) == ("75011", "5.0", "t")
    assert s.tags == ["2026", "vip", "f"]
