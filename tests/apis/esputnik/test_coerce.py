"""Jackson's scalar coercions as the eSputnik fake applies them (docs/vendors/esputnik.md
§13): the forms the contract admits become what the fake stores and answers.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailmocks.apis.esputnik.coerce import compile_schema, to_bool, to_decimal, to_int, to_text
from mailmocks.testing.esputnik import Mock as EsputnikMock


def call(mock: EsputnikMock, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return mock.http.request(method, path, auth=mock.auth, **kwargs)


@pytest.mark.parametrize(("value", "text"), [(42, "42"), (-1.5, "-1.5"), (True, "true"),
                                            (False, "false"), ("x", "x"), ({"a": 1}, {"a": 1})])
def test_strings_take_any_scalar_as_its_text(value: Any, text: Any) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(("value", "number"), [
    ("19.90", 19.9), (" 7 ", 7), ("", None), ("   ", None), ("-0.5e2", -50.0), (12, 12),
    ("abc", "abc"), ("1e999", "1e999"), (True, True)])
def test_decimals_parse_numeric_text_and_read_blank_as_null(value: Any, number: Any) -> None:
    assert to_decimal(value) == number


@pytest.mark.parametrize(("value", "number"), [
    ("42", 42), ("+7", 7), (3.9, 3), (-3.9, -3), ("", None), ("4.5", "4.5"), (True, True),
    (float("inf"), float("inf"))])
def test_integers_parse_integral_text_and_truncate_fractions(value: Any, number: Any) -> None:
    assert to_int(value) == number


@pytest.mark.parametrize(("value", "flag"), [
    ("true", True), ("FALSE", False), (" True ", True), (0, False), (2, True), ("", None),
    ("yes", "yes"), (None, None)])
def test_booleans_read_text_in_any_case_and_integers(value: Any, flag: Any) -> None:
    assert to_bool(value) == flag


def test_a_compiled_walk_reaches_nested_lists_and_maps() -> None:
    convert = compile_schema({"type": "object", "properties": {
        "orders": {"type": "array", "items": {"allOf": [{"properties": {
            "totalCost": {"x-jackson": "decimal"},
            "additionalInfo": {"additionalProperties": {"x-jackson": "string"}}}}]}}}})
    assert convert is not None
    assert convert({"orders": [{"totalCost": "5.5", "additionalInfo": {"n": 1}, "other": 1},
                               None]}) == {
        "orders": [{"totalCost": 5.5, "additionalInfo": {"n": "1"}, "other": 1}, None]}
    assert compile_schema({"type": "object", "properties": {"a": {"type": "string"}}}) is None


def test_an_integer_external_customer_id_is_stored_as_text(esputnik_mock: EsputnikMock) -> None:
    es = esputnik_mock.client()
    r = call(esputnik_mock, "POST", "/api/v1/contact", json={
        "channels": [{"type": "email", "value": "int-id@example.org"}],
        "externalCustomerId": 4242, "addressBookId": "7200",
        "fields": [{"id": "15870", "value": 150}]})
    assert r.status_code == 200
    got = es.get_contact(r.json()["id"])
    assert got["externalCustomerId"] == "4242" and got["addressBookId"] == 7200
    assert {"id": 15870, "value": "150"} in got["fields"]
    assert es.search_contacts(external_customer_id="4242").items[0]["id"] == got["id"]


def test_what_jackson_refuses_is_a_400(esputnik_mock: EsputnikMock) -> None:
    bad: list[dict[str, Any]] = [
        {"channels": [{"type": "email", "value": "a@example.org"}], "addressBookId": "7.5"},
        {"channels": [{"type": "email", "value": "a@example.org"}], "firstName": {"x": 1}},
        {"channels": {"type": "email", "value": "a@example.org"}},  # no single value as a list
        {"channels": [{"type": "EMAIL", "value": "a@example.org"}]},  # enums keep their case
    ]
    for body in bad:
        r = call(esputnik_mock, "POST", "/api/v1/contact", json=body)
        assert r.status_code == 400, body
    assert esputnik_mock.client().search_contacts(email="a@example.org").total == 0


def test_booleans_as_text_and_blank_numbers(esputnik_mock: EsputnikMock) -> None:
    r = call(esputnik_mock, "POST", "/api/v1/contacts", json={
        "dedupeOn": "email", "restoreDeleted": "TRUE", "fieldId": "",
        "contacts": [{"channels": [{"type": "email", "value": "bulk-bool@example.org"}]}]})
    assert r.status_code == 200 and r.json()["failedContacts"] == []
    r = call(esputnik_mock, "POST", "/api/v1/contacts", json={
        "dedupeOn": "email", "restoreDeleted": "maybe",
        "contacts": [{"channels": [{"type": "email", "value": "bulk-bool@example.org"}]}]})
    assert r.status_code == 400


def event_body(value: str) -> str:
    return ('{"eventTypeKey": "x", "keyValue": "olena@example.com", '
            f'"params": [{{"name": "n", "value": {value}}}]}}')


def test_a_body_nested_too_deeply_is_400_and_nothing_is_stored(
        esputnik_mock: EsputnikMock) -> None:
    """What the fake accepts it can answer: a v2 event value or a push device nested past
    200 levels is refused up front (Jackson's own bound is 1000)."""
    deep = "[" * 300 + "]" * 300
    json_type = {"content-type": "application/json"}
    device = f'{{"channels": [{{"type": "mobilepush", "value": "t", "device": {{"a": {deep}}}}}]}}'
    for path, body in (("/api/v2/event", event_body(deep)), ("/api/v1/contact", device)):
        r = call(esputnik_mock, "POST", path, content=body, headers=json_type)
        assert r.status_code == 400 and "nests deeper than 200" in r.text
    assert esputnik_mock.http.get("/_sandbox/events").json()["events"] == []
    r = call(esputnik_mock, "POST", "/api/v2/event", headers=json_type,
             content=event_body("[" * 150 + "]" * 150))
    assert r.status_code == 200
    assert len(esputnik_mock.http.get("/_sandbox/events").json()["events"]) == 1


def test_depth_counts_without_recursion() -> None:
    from mailmocks.apis.esputnik.coerce import depth
    value: Any = []
    for _ in range(5000):
        value = [value]
    assert depth(value, 200) == 201
    assert depth({"a": [1, {"b": []}]}, 200) == 4
    assert depth("text", 200) == 0
