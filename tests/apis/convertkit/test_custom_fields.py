"""ConvertKit custom fields: labels, derived keys and names, renames, deletes (§9, §12, D-3,
D-10). References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
LABEL_TAKEN = {"error": "Unprocessable Entity", "message": "Label has already been taken"}
LABEL_BLANK = {"error": "Unprocessable Entity", "message": "Label can't be blank"}
FIELD_KEYS = ["last_name", "company", "phone_number", "favourite_colour"]


def test_list_custom_fields(pub: ConvertKit) -> None:
    fields = pub.list_custom_fields()["custom_fields"]
    assert fields == [
        {"id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Last Name"},
        {"id": 2, "name": "ck_field_2_company", "key": "company", "label": "Company"},
        {"id": 3, "name": "ck_field_3_phone_number", "key": "phone_number",
         "label": "Phone Number"},
        {"id": 4, "name": "ck_field_4_favourite_colour", "key": "favourite_colour",
         "label": "Favourite Colour"}]


def test_create_one_custom_field_201_with_location(convertkit_mock: ConvertKitMock,
                                                   ck: ConvertKit) -> None:
    r = convertkit_mock.http.post("/v3/custom_fields", json={
        "api_secret": convertkit_mock.api_secret, "label": "  Occupation  "})
    assert r.status_code == 201
    assert r.headers["location"] == "/v3/custom_fields"
    assert r.json() == {"id": 5, "name": "ck_field_5_occupation", "key": "occupation",
                        "label": "Occupation"}
    # a new field appears on every subscriber, null until set (D-10)
    assert ck.get_subscriber(1)["subscriber"]["fields"]["occupation"] is None


def test_create_custom_fields_array_and_one_element_array(convertkit_mock: ConvertKitMock,
                                                          ck: ConvertKit) -> None:
    made = ck.create_custom_fields(["Job Title", "Café Owner", "Last-Name!"])
    assert convertkit_mock.last_status == 201
    assert [(f["id"], f["key"], f["label"], f["name"]) for f in made] == [
        (5, "job_title", "Job Title", "ck_field_5_job_title"),
        (6, "cafe_owner", "Café Owner", "ck_field_6_cafe_owner"),
        (7, "last_name_2", "Last-Name!", "ck_field_7_last_name_2")]  # key stays unique
    single = ck.create_custom_fields(["Birthday"])
    assert single == {"id": 8, "name": "ck_field_8_birthday", "key": "birthday",
                      "label": "Birthday"}  # one-element array -> one object (§9)


@pytest.mark.parametrize("label,expected", [
    ("Company", LABEL_TAKEN), ("company ", LABEL_TAKEN), (["Fresh", "Last Name"], LABEL_TAKEN),
    (["Dup", "DUP"], LABEL_TAKEN), ("", LABEL_BLANK), (["Fresh", "  "], LABEL_BLANK)])
def test_create_custom_fields_rejects_duplicates_and_blanks(ck: ConvertKit, label: Any,
                                                            expected: dict[str, str]) -> None:
    err = raises(InvalidRequest, ck.create_custom_fields, label)
    assert (err.status, err.body) == (422, expected)
    assert [f["key"] for f in ck.list_custom_fields()["custom_fields"]] == FIELD_KEYS


def test_create_custom_fields_wrong_types_are_422(convertkit_mock: ConvertKitMock) -> None:
    bodies: list[dict[str, Any]] = [{}, {"label": 5}, {"label": []}, {"label": [1, 2]}]
    for body in bodies:
        r = convertkit_mock.http.post("/v3/custom_fields",
                                      json={"api_secret": convertkit_mock.api_secret, **body})
        assert r.status_code == 422, body
        assert r.json()["error"] == "Unprocessable Entity"
    assert len(convertkit_mock.account.fields) == 4


def test_rename_custom_field_keeps_key_and_name(convertkit_mock: ConvertKitMock,
                                                ck: ConvertKit) -> None:
    value = ck.get_subscriber(1)["subscriber"]["fields"]["last_name"]
    assert ck.update_custom_field(1, "Surname") is None
    assert convertkit_mock.last_status == 204
    assert ck.list_custom_fields()["custom_fields"][0] == {
        "id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Surname"}
    assert ck.get_subscriber(1)["subscriber"]["fields"]["last_name"] == value


@pytest.mark.parametrize("label,expected", [("Company", LABEL_TAKEN), ("  ", LABEL_BLANK)])
def test_rename_custom_field_to_taken_or_blank_label(ck: ConvertKit, label: str,
                                                     expected: dict[str, str]) -> None:
    err = raises(InvalidRequest, ck.update_custom_field, 1, label)
    assert (err.status, err.body) == (422, expected)
    assert ck.list_custom_fields()["custom_fields"][0]["label"] == "Last Name"


def test_rename_custom_field_to_its_own_label_is_fine(ck: ConvertKit) -> None:
    assert ck.update_custom_field(2, "Company") is None
    assert ck.list_custom_fields()["custom_fields"][1]["label"] == "Company"


def test_rename_unknown_custom_field_is_404(ck: ConvertKit) -> None:
    err = raises(NotFound, ck.update_custom_field, 99, "Whatever")
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_delete_custom_field_drops_the_values(convertkit_mock: ConvertKitMock,
                                              ck: ConvertKit) -> None:
    assert ck.get_subscriber(1)["subscriber"]["fields"]["company"] is not None
    assert ck.delete_custom_field(2) is None
    assert convertkit_mock.last_status == 204
    assert [f["id"] for f in ck.list_custom_fields()["custom_fields"]] == [1, 3, 4]
    assert "company" not in ck.get_subscriber(1)["subscriber"]["fields"]
    # the label is free again, and a field made with it starts empty
    again = ck.create_custom_fields("Company")
    assert again["key"] == "company"
    assert ck.get_subscriber(1)["subscriber"]["fields"]["company"] is None
    err = raises(NotFound, ck.delete_custom_field, 2)
    assert (err.status, err.body) == (404, NOT_FOUND)
