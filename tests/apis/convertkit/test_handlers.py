"""What the ConvertKit handler areas share (handlers/__init__.py): subscribing by email on
forms, sequences and tags (§4-§6, D-1, assumption M) and their paged subscription lists (§4,
§15, D-12). References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

import pytest
from support import raises

from mailmocks.clients.base import InvalidRequest
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
MISSING_EMAIL = {"error": "Missing parameter", "message": "Subscriber email is required"}
INVALID_EMAIL = {"error": "Error updating subscriber", "message": "Email address is invalid"}
OTHER_KEY = "ck_pub_OtherCo0000000000"


# ==========================================================================================
# Subscribing by email (§4-§6, D-1)
# ==========================================================================================
@pytest.mark.parametrize("op,target", [("add_subscriber_to_form", 3001),
                                       ("add_subscriber_to_sequence", 4001),
                                       ("tag_subscriber", 1)])
@pytest.mark.parametrize("email,expected", [
    ("not-an-email", INVALID_EMAIL), ("two@@example.com", INVALID_EMAIL),
    ("spaces in@example.com", INVALID_EMAIL), ("", MISSING_EMAIL)])
def test_subscribe_rejects_bad_email_with_vendor_422(convertkit_mock: ConvertKitMock,
                                                     pub: ConvertKit, op: str, target: int,
                                                     email: str, expected: dict[str, str]) -> None:
    before = len(convertkit_mock.account.subscribers)
    err = raises(InvalidRequest, getattr(pub, op), target, email)
    assert (err.status, err.body) == (422, expected)  # D-1
    assert len(convertkit_mock.account.subscribers) == before


@pytest.mark.parametrize("path", ["/v3/forms/3001/subscribe", "/v3/sequences/4001/subscribe",
                                  "/v3/courses/4001/subscribe", "/v3/tags/1/subscribe"])
def test_subscribe_without_email_is_missing_parameter(convertkit_mock: ConvertKitMock,
                                                      path: str) -> None:
    r = convertkit_mock.http.post(path, json={"api_key": convertkit_mock.api_key,
                                              "first_name": "Nobody"})
    assert (r.status_code, r.json()) == (422, MISSING_EMAIL)
    r = convertkit_mock.http.post(path, json={"api_key": convertkit_mock.api_key, "email": None})
    assert (r.status_code, r.json()) == (422, MISSING_EMAIL)


def test_subscribe_with_non_string_email_is_invalid(convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.post("/v3/forms/3001/subscribe",
                                  json={"api_key": convertkit_mock.api_key, "email": 42})
    assert (r.status_code, r.json()) == (422, INVALID_EMAIL)


def test_subscribe_beyond_the_plan_limit_is_403_and_stores_nothing(
        convertkit_mock: ConvertKitMock) -> None:
    other = convertkit_mock.world.accounts[1002]  # subscriber_limit 6, 5 generated
    http = convertkit_mock.http
    body = {"api_key": OTHER_KEY, "email": "sixth@other.test"}
    assert http.post("/v3/forms/3101/subscribe", json=body).status_code == 200
    over = http.post("/v3/forms/3101/subscribe", json={**body, "email": "seventh@other.test"})
    assert over.status_code == 403
    assert over.json() == {"error": "Forbidden",
                           "message": "This account has reached its plan's subscriber limit"}
    assert other.subscribers.by("email", "seventh@other.test") is None
    again = http.post("/v3/forms/3101/subscribe", json={**body, "first_name": "Six"})
    assert again.status_code == 200  # a known address is still found and updated
    sixth = other.subscribers.by("email", "sixth@other.test")
    assert sixth is not None and sixth.first_name == "Six"


# ==========================================================================================
# Subscription lists of forms, sequences and tags (§4, §15)
# ==========================================================================================
def test_page_past_the_end_is_empty_with_same_totals(ck: ConvertKit) -> None:
    first = ck.list_form_subscriptions(3001)
    past = ck.list_form_subscriptions(3001, page=first["total_pages"] + 3)
    assert past == {"total_subscriptions": first["total_subscriptions"],
                    "page": first["total_pages"] + 3, "total_pages": first["total_pages"],
                    "subscriptions": []}  # D-12


def test_list_subscriptions_of_empty_target(convertkit_mock: ConvertKitMock,
                                            ck: ConvertKit) -> None:
    tag = ck.create_tags("Empty")
    assert ck.list_tag_subscriptions(tag["id"]) == {
        "total_subscriptions": 0, "page": 1, "total_pages": 0, "subscriptions": []}


@pytest.mark.parametrize("path", ["/v3/forms/9999/subscriptions",
                                  "/v3/sequences/9999/subscriptions",
                                  "/v3/courses/9999/subscriptions", "/v3/tags/9999/subscriptions"])
def test_list_subscriptions_of_unknown_target_is_404(convertkit_mock: ConvertKitMock,
                                                     path: str) -> None:
    r = convertkit_mock.http.get(path, params={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("params", [{"sort_order": "sideways"}, {"subscriber_state": "bounced"},
                                    {"page": "two"}, {"page": "0"}])
def test_list_subscriptions_bad_query_is_422(convertkit_mock: ConvertKitMock,
                                             params: dict[str, str]) -> None:
    r = convertkit_mock.http.get("/v3/forms/3001/subscriptions",
                                 params={"api_secret": convertkit_mock.api_secret, **params})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "Unprocessable Entity"
    assert next(iter(params)) in body["message"]
