"""Botamp sandbox.py: key regeneration and the read-back routes beside the vendor API.

Facts: docs/vendors/botamp.md §1, D-8 and assumption I.
"""
from __future__ import annotations

import httpx
import pytest
from support import raises

from mailmocks.clients.base import AuthError
from mailmocks.clients.botamp import Botamp
from mailmocks.testing.botamp import Mock as BotampMock

SINGLE = "/api/subscribers/create_or_update"
OTHER_KEY = "0b5e1d7c9a3f4e2d8c6b1a0f9e7d5c3b"
UNAUTHORIZED = {"error": "Unauthorized"}


def upsert(mock: BotampMock, key: str) -> httpx.Response:
    return mock.http.post(SINGLE, json={"subscriber": {"email": "a@acme.fr"}},
                          headers={"authorization": f"Bearer {key}"})


# ==========================================================================================
# Key regeneration (§1, D-8)
# ==========================================================================================
def test_regenerating_the_key_invalidates_the_old_one_at_once(botamp_mock: BotampMock) -> None:
    old_client = botamp_mock.client()
    old_client.create_or_update_subscriber("before@acme.fr")
    r = botamp_mock.http.post("/_sandbox/regenerate_key", json={})
    assert r.status_code == 200
    new_key = r.json()["api_key"]
    assert r.json() == {"account_id": 1, "api_key": new_key}
    assert new_key == botamp_mock.api_key
    denied = raises(AuthError, old_client.create_or_update_subscriber, "after@acme.fr")
    assert denied.body == UNAUTHORIZED
    botamp_mock.client().create_or_update_subscriber("after@acme.fr")
    assert botamp_mock.subscriber("after@acme.fr") is not None
    # the helper does the same; only the newest key ever works
    newest = botamp_mock.regenerate_key()
    assert upsert(botamp_mock, new_key).status_code == 401
    assert upsert(botamp_mock, newest).status_code == 200


def test_regenerate_key_of_another_account_leaves_the_first_alone(
        botamp_mock: BotampMock) -> None:
    key = botamp_mock.api_key
    r = botamp_mock.http.post("/_sandbox/regenerate_key", json={"account_id": 2})
    assert r.json()["account_id"] == 2
    assert upsert(botamp_mock, OTHER_KEY).status_code == 401
    assert upsert(botamp_mock, key).status_code == 200
    r = botamp_mock.http.post("/_sandbox/regenerate_key", json={"account_id": 99})
    assert (r.status_code, r.json()) == (404, {"error": "Not Found"})


def test_regenerate_key_takes_the_account_from_the_query_too(botamp_mock: BotampMock) -> None:
    r = botamp_mock.http.post("/_sandbox/regenerate_key", params={"account_id": "2"},
                              headers={"content-type": "application/json"})
    assert r.json()["account_id"] == 2
    assert upsert(botamp_mock, OTHER_KEY).status_code == 401


def test_regenerate_key_refuses_a_body_that_is_not_json(botamp_mock: BotampMock) -> None:
    key = botamp_mock.api_key
    r = botamp_mock.http.post("/_sandbox/regenerate_key", content=b"{nope",
                              headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, {"error": "Request body is not valid JSON"})
    assert botamp_mock.api_key == key


# ==========================================================================================
# Read-back (assumption I)
# ==========================================================================================
def test_sandbox_lists_stored_subscribers(botamp_mock: BotampMock, bt: Botamp) -> None:
    bt.create_or_update_subscriber("Jane@Acme.fr", name="Jane", tags=["a"])
    listing = botamp_mock.http.get("/_sandbox/subscribers").json()
    assert (listing["account_id"], listing["total"]) == (1, 41)
    one = botamp_mock.http.get("/_sandbox/subscribers", params={"email": "JANE@acme.fr"}).json()
    assert one["total"] == 1
    assert {k: one["subscribers"][0][k] for k in ("id", "email", "name", "tags")} == {
        "id": 41, "email": "Jane@Acme.fr", "name": "Jane", "tags": ["a"]}
    other = botamp_mock.http.get("/_sandbox/subscribers", params={"account_id": 2}).json()
    assert other["total"] == 3


def test_sandbox_lists_batches_pending_then_done(botamp_mock: BotampMock, bt: Botamp) -> None:
    botamp_mock.clock.freeze(1_800_000_000)
    bt.create_or_update_subscribers([{"email": "a@acme.fr"}, {"email": "b@acme.test"}])
    [pending] = botamp_mock.http.get("/_sandbox/batches").json()["batches"]
    assert (pending["status"], pending["size"], pending["finished_at"]) == ("pending", 2, None)
    botamp_mock.drain()
    listing = botamp_mock.http.get("/_sandbox/batches").json()
    assert listing == {"account_id": 1, "batches": [{
        "id": 1, "size": 2, "status": "done", "received_at": "2027-01-15T08:00:00.000Z",
        "finished_at": "2027-01-15T08:00:00.000Z", "created": 1, "updated": 0,
        "skipped": [{"entry": 2, "email": "b@acme.test", "reason": "Email does not exist"}]}]}
    assert botamp_mock.http.get("/_sandbox/batches", params={"account_id": 2}).json() == {
        "account_id": 2, "batches": []}


@pytest.mark.parametrize("path", ["/_sandbox/subscribers", "/_sandbox/batches"])
@pytest.mark.parametrize("account_id", ["99", "two"])
def test_an_unknown_account_is_404(botamp_mock: BotampMock, path: str, account_id: str) -> None:
    r = botamp_mock.http.get(path, params={"account_id": account_id})
    assert (r.status_code, r.json()) == (404, {"error": "Not Found"})
