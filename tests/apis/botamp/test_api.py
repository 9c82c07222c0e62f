"""Botamp's Api hooks (mailmocks/apis/botamp/__init__.py): authentication, bodies that are
not JSON or too large, unrouted requests, what `mailmocks serve` prints.

Facts: docs/vendors/botamp.md §1, §3, D-3, D-8 and assumption H.
"""
from __future__ import annotations

import pytest

from mailmocks.apis.botamp import api
from mailmocks.testing.botamp import Mock as BotampMock

SINGLE = "/api/subscribers/create_or_update"
MANY = "/api/subscribers/create_or_update_many"
UNAUTHORIZED = {"error": "Unauthorized"}


def err(message: str) -> dict[str, str]:
    return {"error": message}


# ==========================================================================================
# Authentication (§1, D-3)
# ==========================================================================================
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer nope",
                                    "Basic N2MyZjlhNDFkOGUzYjY1ZjBhMWM0ZTlkMmI3ZjhhMzY6",
                                    "7c2f9a41d8e3b65f0a1c4e9d2b7f8a36"])
@pytest.mark.parametrize("path", [SINGLE, MANY])
def test_missing_malformed_or_wrong_key_is_401(botamp_mock: BotampMock, header: str | None,
                                               path: str) -> None:
    headers = {} if header is None else {"authorization": header}
    r = botamp_mock.http.post(path, json={"subscriber": {"email": "a@acme.fr"},
                                          "subscribers": [{"email": "a@acme.fr"}]},
                              headers=headers)
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    assert botamp_mock.subscriber("a@acme.fr") is None and botamp_mock.jobs.pending() == []


def test_scheme_is_case_insensitive(botamp_mock: BotampMock) -> None:
    r = botamp_mock.http.post(SINGLE, json={"subscriber": {"email": "a@acme.fr"}},
                              headers={"authorization": f"bearer {botamp_mock.api_key}"})
    assert r.status_code == 200


# ==========================================================================================
# Bodies and routes (assumption H)
# ==========================================================================================
def test_malformed_json_is_400(botamp_mock: BotampMock) -> None:
    r = botamp_mock.http.post(SINGLE, content=b"{nope", headers={
        "authorization": f"Bearer {botamp_mock.api_key}", "content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, err("Request body is not valid JSON"))


def test_body_over_8_mib_is_413(botamp_mock: BotampMock) -> None:
    big = {"subscriber": {"email": "a@acme.fr", "address": "x" * (8 << 20)}}
    r = botamp_mock.http.post(SINGLE, json=big,
                              headers={"authorization": f"Bearer {botamp_mock.api_key}"})
    assert (r.status_code, r.json()) == (413, err("Request body is too large"))


@pytest.mark.parametrize("method,path", [("GET", SINGLE), ("PUT", MANY), ("GET", "/api/me"),
                                         ("POST", "/api/v1/contacts")])
def test_unrouted_is_404_like_rails(botamp_mock: BotampMock, method: str, path: str) -> None:
    r = botamp_mock.http.request(method, path,
                                 headers={"authorization": f"Bearer {botamp_mock.api_key}"})
    assert (r.status_code, r.json()) == (404, err("Not Found"))


# ==========================================================================================
# What the sandbox prints and the contract checks use
# ==========================================================================================
def test_describe_lists_every_account_key_and_the_sandbox_routes(
        botamp_mock: BotampMock) -> None:
    lines = api.describe(botamp_mock.world)
    assert lines == [
        "account 1 (Atelier Lumière, owner owner@atelier-lumiere.fr): "
        "api_key=7c2f9a41d8e3b65f0a1c4e9d2b7f8a36",
        "account 2 (Other Co, owner admin@other-co.com): "
        "api_key=0b5e1d7c9a3f4e2d8c6b1a0f9e7d5c3b",
        "sandbox: POST /botamp/_sandbox/regenerate_key, GET /botamp/_sandbox/subscribers, "
        "GET /botamp/_sandbox/batches",
    ]
    assert api.check_credentials(botamp_mock.world) == {"bearer": botamp_mock.api_key}
