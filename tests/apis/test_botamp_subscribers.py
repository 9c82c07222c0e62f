"""Botamp fake: the synchronous upsert, authentication, key regeneration, bad input and the
sandbox control routes.

Facts: /work/shared/api-facts/botamp.md (sections quoted as §n, decisions as D-n; the
contract's further assumptions as A-I). Default data (fixtures/botamp.yaml): account 1
"Atelier Lumière" (owner owner@atelier-lumiere.fr) with 40 generated subscribers (ids 1-40);
account 2 "Other Co" with 3.
"""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.clients.base import AuthError, InvalidRequest

JSON_TYPE = "application/json; charset=utf-8"
SINGLE = "/api/subscribers/create_or_update"
MANY = "/api/subscribers/create_or_update_many"
OTHER_KEY = "0b5e1d7c9a3f4e2d8c6b1a0f9e7d5c3b"
UNAUTHORIZED = {"error": "Unauthorized"}


def err(message: str) -> dict[str, str]:
    return {"error": message}


@pytest.fixture
def bt(botamp_mock: Any) -> Any:
    return botamp_mock.client()


def post(mock: Any, path: str, body: Any, key: str | None = None) -> Any:
    return mock.http.post(path, json=body,
                          headers={"authorization": f"Bearer {key or mock.api_key}"})


# ==========================================================================================
# Fixtures
# ==========================================================================================
def test_default_account_is_seeded_deterministically(botamp_mock: Any) -> None:
    acct = botamp_mock.account
    assert (acct.id, acct.name, acct.owner_email) == (1, "Atelier Lumière",
                                                      "owner@atelier-lumiere.fr")
    assert len(botamp_mock.subscribers) == 40
    first = botamp_mock.subscribers[0]
    assert (first.id, first.email, first.name) == (1, "david.shaw.1@hotmail.com", "David Shaw")
    assert all(s.email == s.email.lower() for s in botamp_mock.subscribers)
    assert len(botamp_mock.world.accounts[2].subscribers) == 3


# ==========================================================================================
# Add a subscriber (§2.1, D-1, D-5)
# ==========================================================================================
def test_create_returns_200_empty_object_and_stores_every_field(botamp_mock: Any,
                                                                bt: Any) -> None:
    fields = {"name": "Jane Roe", "job_title": "CTO", "country": "France",
              "address": "1 rue de la Paix", "company_name": "ACME",
              "website": "https://acme.example.com", "postal_code": "75001",
              "birthday": "1990-04-30"}
    assert bt.create_or_update_subscriber("jane@acme.fr", tags=["tag1", "tag2"], **fields) == {}
    r = post(botamp_mock, SINGLE, {"subscriber": {"email": "john@acme.fr"}})
    assert (r.status_code, r.json(), r.headers["content-type"]) == (200, {}, JSON_TYPE)
    jane = botamp_mock.subscriber("jane@acme.fr")
    assert {k: getattr(jane, k) for k in fields} == fields
    assert jane.tags == ["tag1", "tag2"]
    assert jane.id == 41 and len(botamp_mock.subscribers) == 42


def test_update_is_keyed_by_email_case_insensitively_and_keeps_unsent_fields(
        botamp_mock: Any, bt: Any) -> None:
    bt.create_or_update_subscriber("Jane@Acme.fr", name="Jane", country="France",
                                   tags=["VIP"])
    bt.create_or_update_subscriber("  jane@ACME.FR ", job_title="CEO", tags=["vip", "Paris"])
    jane = botamp_mock.subscriber("jane@acme.fr")
    assert len(botamp_mock.subscribers) == 41  # one subscriber, updated
    assert jane.email == "Jane@Acme.fr"  # the spelling it was created with (B)
    assert (jane.name, jane.country, jane.job_title) == ("Jane", "France", "CEO")
    assert jane.tags == ["VIP", "Paris"]  # merged, case-insensitive, first spelling kept (E)


def test_tags_are_merged_never_removed(botamp_mock: Any, bt: Any) -> None:
    seeded = botamp_mock.subscribers[0]
    before = list(seeded.tags)
    bt.create_or_update_subscriber(seeded.email, tags=[])
    bt.create_or_update_subscriber(seeded.email.upper(), tags=["new", " ", "new"])
    assert seeded.tags == [*before, "new"]


def test_null_or_empty_clears_a_field_missing_keeps_it(botamp_mock: Any) -> None:
    post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr", "name": "A",
                                              "website": "w", "birthday": "2000-01-01"}})
    post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr", "name": None,
                                              "birthday": "", "tags": None}})
    a = botamp_mock.subscriber("a@acme.fr")
    assert (a.name, a.website, a.birthday, a.tags) == (None, "w", None, [])


def test_update_touches_only_the_updated_at(botamp_mock: Any, bt: Any) -> None:
    botamp_mock.clock.freeze(1_800_000_000)
    s = botamp_mock.subscribers[1]
    created = s.created_at
    bt.create_or_update_subscriber(s.email, name="Renamed")
    assert (s.created_at, s.updated_at, s.name) == (created, 1_800_000_000, "Renamed")


def test_accounts_never_see_each_other(botamp_mock: Any) -> None:
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": "x@acme.fr"}},
                key=OTHER_KEY).status_code == 200
    assert botamp_mock.subscriber("x@acme.fr") is None
    assert botamp_mock.world.accounts[2].subscribers.by("email", "x@acme.fr") is not None


# ==========================================================================================
# Errors (§3, §6, §7, D-2, D-4, A-D, H)
# ==========================================================================================
@pytest.mark.parametrize("subscriber,message", [
    ({}, "Email is required"),
    ({"email": ""}, "Email is required"),
    ({"email": "   "}, "Email is required"),
    ({"email": None}, "Email is required"),
    ({"email": 42}, "Email is invalid"),
    ({"email": "plainaddress"}, "Email is invalid"),
    ({"email": "a@b"}, "Email is invalid"),
    ({"email": "a b@acme.fr"}, "Email is invalid"),
    ({"email": "a@@acme.fr"}, "Email is invalid"),
    ({"email": "x" * 250 + "@acme.fr"}, "Email is invalid"),
    ({"email": "a@acme.invalid"}, "Email does not exist"),
    ({"email": "a@mail.acme.test"}, "Email does not exist"),
    ({"email": "a@acme.example"}, "Email does not exist"),
    ({"email": "a@no-mx.example.com"}, "Email does not exist"),  # fixtures' list
    ({"email": "a@deep.bounce.atelier-lumiere.fr"}, "Email does not exist"),  # subdomain
    ({"email": "a@acme.fr", "birthday": "1990-02-30"}, "Birthday must use the yyyy-mm-dd format"),
    ({"email": "a@acme.fr", "birthday": "30/04/1990"}, "Birthday must use the yyyy-mm-dd format"),
    ({"email": "a@acme.fr", "birthday": "19900430"}, "Birthday must use the yyyy-mm-dd format"),
    ({"email": "a@acme.fr", "birthday": 19900430}, "Birthday must use the yyyy-mm-dd format"),
    ({"email": "a@acme.fr", "name": 5}, "Name is invalid"),
    ({"email": "a@acme.fr", "job_title": ["x"]}, "Job title is invalid"),
    ({"email": "a@acme.fr", "tags": "vip"}, "Tags is invalid"),
    ({"email": "a@acme.fr", "tags": ["ok", 1]}, "Tags is invalid"),
])
def test_bad_subscriber_is_400_with_the_reason_and_stores_nothing(
        botamp_mock: Any, subscriber: dict[str, Any], message: str) -> None:
    r = post(botamp_mock, SINGLE, {"subscriber": subscriber})
    assert (r.status_code, r.json()) == (400, err(message))
    assert len(botamp_mock.subscribers) == 40


def test_the_client_raises_invalid_request_with_the_body(bt: Any) -> None:
    with pytest.raises(InvalidRequest) as info:
        bt.create_or_update_subscriber("jane@acme.test")
    assert (info.value.status, info.value.body) == (400, err("Email does not exist"))


@pytest.mark.parametrize("body", [None, {}, [], "x", {"subscriber": None},
                                  {"subscriber": "a@acme.fr"}, {"email": "a@acme.fr"}])
def test_no_subscriber_object_is_email_required(botamp_mock: Any, body: Any) -> None:
    r = post(botamp_mock, SINGLE, body)
    assert (r.status_code, r.json()) == (400, err("Email is required"))


def test_unknown_keys_are_ignored(botamp_mock: Any) -> None:
    r = post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr", "phone": "1"},
                                   "extra": True})
    assert r.status_code == 200
    assert botamp_mock.subscriber("a@acme.fr") is not None


def test_malformed_json_is_400(botamp_mock: Any) -> None:
    r = botamp_mock.http.post(SINGLE, content=b"{nope", headers={
        "authorization": f"Bearer {botamp_mock.api_key}", "content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, err("Request body is not valid JSON"))


def test_body_over_8_mib_is_413(botamp_mock: Any) -> None:
    big = {"subscriber": {"email": "a@acme.fr", "address": "x" * (8 << 20)}}
    r = post(botamp_mock, SINGLE, big)
    assert (r.status_code, r.json()) == (413, err("Request body is too large"))


@pytest.mark.parametrize("method,path", [("GET", SINGLE), ("PUT", MANY), ("GET", "/api/me"),
                                         ("POST", "/api/v1/contacts")])
def test_unrouted_is_404_like_rails(botamp_mock: Any, method: str, path: str) -> None:
    r = botamp_mock.http.request(method, path,
                                 headers={"authorization": f"Bearer {botamp_mock.api_key}"})
    assert (r.status_code, r.json()) == (404, err("Not Found"))


# ==========================================================================================
# Authentication and key regeneration (§1, D-3, D-8)
# ==========================================================================================
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer nope",
                                    "Basic N2MyZjlhNDFkOGUzYjY1ZjBhMWM0ZTlkMmI3ZjhhMzY6",
                                    "7c2f9a41d8e3b65f0a1c4e9d2b7f8a36"])
@pytest.mark.parametrize("path", [SINGLE, MANY])
def test_missing_malformed_or_wrong_key_is_401(botamp_mock: Any, header: str | None,
                                               path: str) -> None:
    headers = {} if header is None else {"authorization": header}
    r = botamp_mock.http.post(path, json={"subscriber": {"email": "a@acme.fr"},
                                          "subscribers": [{"email": "a@acme.fr"}]},
                              headers=headers)
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    assert botamp_mock.subscriber("a@acme.fr") is None and botamp_mock.jobs.pending() == []


def test_scheme_is_case_insensitive(botamp_mock: Any) -> None:
    r = botamp_mock.http.post(SINGLE, json={"subscriber": {"email": "a@acme.fr"}},
                              headers={"authorization": f"bearer {botamp_mock.api_key}"})
    assert r.status_code == 200


def test_regenerating_the_key_invalidates_the_old_one_at_once(botamp_mock: Any) -> None:
    old_client = botamp_mock.client()
    old_client.create_or_update_subscriber("before@acme.fr")
    r = botamp_mock.http.post("/_sandbox/regenerate_key", json={})
    assert r.status_code == 200
    new_key = r.json()["api_key"]
    assert r.json() == {"account_id": 1, "api_key": new_key}
    assert new_key == botamp_mock.api_key
    with pytest.raises(AuthError) as info:
        old_client.create_or_update_subscriber("after@acme.fr")
    assert info.value.body == UNAUTHORIZED
    botamp_mock.client().create_or_update_subscriber("after@acme.fr")
    assert botamp_mock.subscriber("after@acme.fr") is not None
    # the helper does the same; only the newest key ever works
    newest = botamp_mock.regenerate_key()
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr"}},
                key=new_key).status_code == 401
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr"}},
                key=newest).status_code == 200


def test_regenerate_key_of_another_account_leaves_the_first_alone(botamp_mock: Any) -> None:
    key = botamp_mock.api_key
    r = botamp_mock.http.post("/_sandbox/regenerate_key", json={"account_id": 2})
    assert r.json()["account_id"] == 2
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr"}},
                key=OTHER_KEY).status_code == 401
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr"}},
                key=key).status_code == 200
    r = botamp_mock.http.post("/_sandbox/regenerate_key", json={"account_id": 99})
    assert (r.status_code, r.json()) == (404, err("Not Found"))


# ==========================================================================================
# Sandbox read-back (assumption I)
# ==========================================================================================
def test_sandbox_lists_stored_subscribers(botamp_mock: Any, bt: Any) -> None:
    bt.create_or_update_subscriber("Jane@Acme.fr", name="Jane", tags=["a"])
    listing = botamp_mock.http.get("/_sandbox/subscribers").json()
    assert (listing["account_id"], listing["total"]) == (1, 41)
    one = botamp_mock.http.get("/_sandbox/subscribers", params={"email": "JANE@acme.fr"}).json()
    assert one["total"] == 1
    assert {k: one["subscribers"][0][k] for k in ("id", "email", "name", "tags")} == {
        "id": 41, "email": "Jane@Acme.fr", "name": "Jane", "tags": ["a"]}
    other = botamp_mock.http.get("/_sandbox/subscribers", params={"account_id": 2}).json()
    assert other["total"] == 3
