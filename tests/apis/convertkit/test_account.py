"""ConvertKit account (docs/vendors/convertkit.md §3)."""
from __future__ import annotations

from support import raises

from mailmocks.clients.base import AuthError
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_PRESENT = {"error": "Authorization Failed", "message": "API Key not present"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}
JSON_TYPE = "application/json; charset=utf-8"
OTHER_SECRET = "ck_sec_OtherCo00000000000000000000"


def test_get_account_returns_the_owner_of_the_secret(convertkit_mock: ConvertKitMock,
                                                     ck: ConvertKit) -> None:
    assert ck.get_account() == {"name": "Acme Newsletter", "plan_type": "creator",
                                "primary_email_address": "owner@acme.test"}
    r = convertkit_mock.http.get("/v3/account", params={"api_secret": convertkit_mock.api_secret})
    assert r.status_code == 200
    assert r.headers["content-type"] == JSON_TYPE


def test_get_account_of_the_second_tenant(convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.get("/v3/account", params={"api_secret": OTHER_SECRET})
    assert r.json() == {"name": "Other Co", "plan_type": "free",
                        "primary_email_address": "hello@other.test"}


def test_get_account_with_the_public_key_is_refused(convertkit_mock: ConvertKitMock,
                                                    pub: ConvertKit) -> None:
    r = convertkit_mock.http.get("/v3/account", params={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    # the public-only client has no secret to send at all
    err = raises(AuthError, pub.get_account)
    assert (err.status, err.body) == (401, NOT_PRESENT)
