"""The helpers every mock has: what they return and their failure messages, verbatim."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest

from mailmocks.testing.convertkit import Mock as ConvertKitMock
from mailmocks.testing.esputnik import Mock as ESputnikMock


def subscribe(ck: ConvertKitMock, email: str, form: int = 3002) -> None:
    ck.client().add_subscriber_to_form(form, email, first_name="Ada")


def test_assert_sent_returns_the_message(convertkit_mock: ConvertKitMock) -> None:
    subscribe(convertkit_mock, "ada@example.com")
    msg = convertkit_mock.assert_sent(to="ada@example.com", kind="confirmation")
    assert msg.to == "ada@example.com" and "Ada" in msg.html
    assert convertkit_mock.sent(to="nobody@example.com") == []


def test_assert_sent_names_the_near_misses(convertkit_mock: ConvertKitMock) -> None:
    subscribe(convertkit_mock, "bob@example.com")
    subject = convertkit_mock.sent()[0].subject
    with pytest.raises(AssertionError) as err:
        convertkit_mock.assert_sent(to="ada@example.com")
    assert str(err.value) == (f"no convertkit message to ada@example.com; sent: "
                              f"bob@example.com {subject!r} (confirmation)")
    with pytest.raises(AssertionError) as err:
        convertkit_mock.assert_sent(to="bob@example.com", subject="Welcome", kind="broadcast")
    assert str(err.value) == (f"no convertkit message to bob@example.com 'Welcome' of kind "
                              f"'broadcast'; sent: bob@example.com {subject!r} (confirmation)")


def test_assert_sent_when_nothing_was(convertkit_mock: ConvertKitMock) -> None:
    with pytest.raises(AssertionError) as err:
        convertkit_mock.assert_sent()
    assert str(err.value) == "no convertkit message; sent: nothing"
    convertkit_mock.assert_not_sent(to="ada@example.com")


def test_assert_called_counts_and_lists_what_was(convertkit_mock: ConvertKitMock) -> None:
    ck = convertkit_mock.client()
    ck.list_forms()
    ck.list_forms()
    assert [c.operation for c in convertkit_mock.assert_called("list_forms", times=2)] == [
        "list_forms", "list_forms"]
    with pytest.raises(AssertionError) as err:
        convertkit_mock.assert_called("add_subscriber_to_form")
    assert str(err.value) == ("convertkit add_subscriber_to_form was called 0 times, expected "
                              "at least once; called: list_forms x2")
    with pytest.raises(AssertionError) as err:
        convertkit_mock.assert_called("list_forms", times=1)
    assert str(err.value) == ("convertkit list_forms was called 2 times, expected 1 time; "
                              "called: list_forms x2")
    convertkit_mock.assert_not_called("list_tags")


def test_calls_are_typed_records_with_secrets_redacted(convertkit_mock: ConvertKitMock) -> None:
    convertkit_mock.client().list_forms()
    [call] = convertkit_mock.calls("list_forms")
    assert (call.method, call.path, call.status, call.problems, call.fault) == (
        "GET", "/v3/forms", 200, (), None)
    assert call.query == {"api_key": "[redacted]"}
    assert call.host == "mailmocks.test"  # through mock.http, not an intercepted host
    assert [f["id"] for f in call.response["forms"]] == [3001, 3002, 3003, 3004]


def test_fail_next_then_answers_again(convertkit_mock: ConvertKitMock) -> None:
    convertkit_mock.fail_next("list_forms", status=503, times=2)
    http = convertkit_mock.http
    key = {"api_key": convertkit_mock.api_key}
    assert [http.get("/v3/forms", params=key).status_code for _ in range(3)] == [503, 503, 200]
    assert [c.fault for c in convertkit_mock.calls("list_forms")][:2] == [
        "fault 1 answered 503", "fault 1 answered 503"]


def test_rate_limit_next_says_when_to_retry(convertkit_mock: ConvertKitMock) -> None:
    convertkit_mock.rate_limit_next(1)
    r = convertkit_mock.http.get("/v3/forms", params={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.headers["retry-after"]) == (429, "1")
    convertkit_mock.latency(0.0, "list_forms", times=1)
    convertkit_mock.clear_faults()
    assert convertkit_mock.faults.list() == []


def test_freeze_time_and_advance(convertkit_mock: ConvertKitMock) -> None:
    convertkit_mock.freeze_time("2030-01-01T09:00:00Z")
    assert convertkit_mock.clock.now() == 1893488400
    convertkit_mock.advance(60)
    assert convertkit_mock.clock.now() == 1893488460


def test_async_clients_work_in_process(esputnik_mock: ESputnikMock) -> None:
    async def scenario() -> object:
        es = esputnik_mock.async_client()
        return await es.add_contact({"channels": [{"type": "email", "value": "a@x.test"}]})

    created = anyio.run(scenario)
    assert isinstance(created, dict) and created["id"] > 0
    assert isinstance(esputnik_mock.async_http, httpx.AsyncClient)


READS: dict[str, Callable[[Any, Any], Awaitable[Any]]] = {
    "convertkit": lambda c, m: c.list_tags(),
    "botamp": lambda c, m: c.create_or_update_subscriber("async@example.com"),
    "esputnik": lambda c, m: c.get_account_info(),
    "parcelvoy": lambda c, m: c.list_campaigns(),
    "highlevel": lambda c, m: c.get_blogs(m.location_id),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_every_vendor_mock_has_an_async_client(name: str) -> None:
    from mailmocks.testing import make_mock

    mock = make_mock(name)

    async def scenario() -> None:
        client = mock.async_client()  # type: ignore[attr-defined]
        try:
            await READS[name](client, mock)  # one call the vendor answers 2xx, wired in-process
        finally:
            await client.aclose()

    anyio.run(scenario)
    [call] = mock.calls()
    assert 200 <= int(call.status or 0) < 300, call
    mock.close()


def test_the_vendor_mocks_are_importable_by_name() -> None:
    from mailmocks.testing import ConvertKitMock, HighLevelMock, mock_for

    assert ConvertKitMock is mock_for("convertkit") and HighLevelMock.api_name == "highlevel"
