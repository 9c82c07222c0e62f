"""Botamp handlers/subscribers.py: the synchronous upsert, its errors, the batch envelope
checked at once, and overlapping upserts.

Facts: docs/vendors/botamp.md (its sections quoted as §n, its decisions as D-n, its
assumptions as A-I). Default data (fixtures/botamp.yaml): account 1 "Atelier Lumière" (owner
owner@atelier-lumiere.fr) with 40 generated subscribers (ids 1-40); account 2 "Other Co"
with 3.
"""
from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from support import raises

from mailmocks.apis.botamp.model import Subscriber
from mailmocks.clients.base import InvalidRequest
from mailmocks.clients.botamp import Botamp
from mailmocks.testing.botamp import Mock as BotampMock

JSON_TYPE = "application/json; charset=utf-8"
SINGLE = "/api/subscribers/create_or_update"
MANY = "/api/subscribers/create_or_update_many"
OTHER_KEY = "0b5e1d7c9a3f4e2d8c6b1a0f9e7d5c3b"


def err(message: str) -> dict[str, str]:
    return {"error": message}


def post(mock: BotampMock, path: str, body: Any, key: str | None = None) -> httpx.Response:
    return mock.http.post(path, json=body,
                          headers={"authorization": f"Bearer {key or mock.api_key}"})


def stored(mock: BotampMock, email: str) -> Subscriber:
    found = mock.subscriber(email)
    assert found is not None, f"{email} is not stored"
    return found


# ==========================================================================================
# Add a subscriber (§2.1, D-1, D-5)
# ==========================================================================================
def test_create_returns_200_empty_object_and_stores_every_field(botamp_mock: BotampMock,
                                                                bt: Botamp) -> None:
    fields = {"name": "Jane Roe", "job_title": "CTO", "country": "France",
              "address": "1 rue de la Paix", "company_name": "ACME",
              "website": "https://acme.example.com", "postal_code": "75001",
              "birthday": "1990-04-30"}
    assert bt.create_or_update_subscriber("jane@acme.fr", tags=["tag1", "tag2"], **fields) == {}
    r = post(botamp_mock, SINGLE, {"subscriber": {"email": "john@acme.fr"}})
    assert (r.status_code, r.json(), r.headers["content-type"]) == (200, {}, JSON_TYPE)
    jane = stored(botamp_mock, "jane@acme.fr")
    assert {k: getattr(jane, k) for k in fields} == fields
    assert jane.tags == ["tag1", "tag2"]
    assert jane.id == 41 and len(botamp_mock.subscribers) == 42


def test_update_is_keyed_by_email_case_insensitively_and_keeps_unsent_fields(
        botamp_mock: BotampMock, bt: Botamp) -> None:
    bt.create_or_update_subscriber("Jane@Acme.fr", name="Jane", country="France",
                                   tags=["VIP"])
    bt.create_or_update_subscriber("  jane@ACME.FR ", job_title="CEO", tags=["vip", "Paris"])
    jane = stored(botamp_mock, "jane@acme.fr")
    assert len(botamp_mock.subscribers) == 41  # one subscriber, updated
    assert jane.email == "Jane@Acme.fr"  # the spelling it was created with (B)
    assert (jane.name, jane.country, jane.job_title) == ("Jane", "France", "CEO")
    assert jane.tags == ["VIP", "Paris"]  # merged, case-insensitive, first spelling kept (E)


def test_tags_are_merged_never_removed(botamp_mock: BotampMock, bt: Botamp) -> None:
    seeded = botamp_mock.subscribers[0]
    before = list(seeded.tags)
    bt.create_or_update_subscriber(seeded.email, tags=[])
    bt.create_or_update_subscriber(seeded.email.upper(), tags=["new", " ", "new"])
    assert seeded.tags == [*before, "new"]


def test_null_or_empty_clears_a_field_missing_keeps_it(botamp_mock: BotampMock) -> None:
    post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr", "name": "A",
                                              "website": "w", "birthday": "2000-01-01"}})
    post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr", "name": None,
                                              "birthday": "", "tags": None}})
    a = stored(botamp_mock, "a@acme.fr")
    assert (a.name, a.website, a.birthday, a.tags) == (None, "w", None, [])


def test_update_touches_only_the_updated_at(botamp_mock: BotampMock, bt: Botamp) -> None:
    botamp_mock.clock.freeze(1_800_000_000)
    s = botamp_mock.subscribers[1]
    created = s.created_at
    bt.create_or_update_subscriber(s.email, name="Renamed")
    assert (s.created_at, s.updated_at, s.name) == (created, 1_800_000_000, "Renamed")


def test_accounts_never_see_each_other(botamp_mock: BotampMock) -> None:
    assert post(botamp_mock, SINGLE, {"subscriber": {"email": "x@acme.fr"}},
                key=OTHER_KEY).status_code == 200
    assert botamp_mock.subscriber("x@acme.fr") is None
    assert botamp_mock.world.accounts[2].subscribers.by("email", "x@acme.fr") is not None


# ==========================================================================================
# Errors (§3, §6, §7, D-2, D-4, A-D)
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
    ({"email": "a@acme.fr", "name": {"first": "A"}}, "Name is invalid"),
    ({"email": "a@acme.fr", "job_title": ["x"]}, "Job title is invalid"),
    ({"email": "a@acme.fr", "tags": "vip"}, "Tags is invalid"),
    ({"email": "a@acme.fr", "tags": ["ok", ["nested"]]}, "Tags is invalid"),
])
def test_bad_subscriber_is_400_with_the_reason_and_stores_nothing(
        botamp_mock: BotampMock, subscriber: dict[str, Any], message: str) -> None:
    r = post(botamp_mock, SINGLE, {"subscriber": subscriber})
    assert (r.status_code, r.json()) == (400, err(message))
    assert len(botamp_mock.subscribers) == 40


def test_the_client_raises_invalid_request_with_the_body(bt: Botamp) -> None:
    bad = raises(InvalidRequest, bt.create_or_update_subscriber, "jane@acme.test")
    assert (bad.status, bad.body) == (400, err("Email does not exist"))


@pytest.mark.parametrize("body", [None, {}, [], "x", {"subscriber": None},
                                  {"subscriber": "a@acme.fr"}, {"email": "a@acme.fr"}])
def test_no_subscriber_object_is_email_required(botamp_mock: BotampMock, body: Any) -> None:
    r = post(botamp_mock, SINGLE, body)
    assert (r.status_code, r.json()) == (400, err("Email is required"))


def test_unknown_keys_are_ignored(botamp_mock: BotampMock) -> None:
    r = post(botamp_mock, SINGLE, {"subscriber": {"email": "a@acme.fr", "phone": "1"},
                                   "extra": True})
    assert r.status_code == 200
    assert botamp_mock.subscriber("a@acme.fr") is not None


# ==========================================================================================
# Add a batch: the envelope, checked at once (§2.2, D-2, D-6, assumption A)
# ==========================================================================================
@pytest.mark.parametrize("body,message", [
    (None, "Subscribers must be a non-empty list"),
    ({}, "Subscribers must be a non-empty list"),
    ([], "Subscribers must be a non-empty list"),
    ({"subscribers": []}, "Subscribers must be a non-empty list"),
    ({"subscribers": {"email": "a@acme.fr"}}, "Subscribers must be a non-empty list"),
    ({"subscribers": "a@acme.fr"}, "Subscribers must be a non-empty list"),
    ({"subscriber": {"email": "a@acme.fr"}}, "Subscribers must be a non-empty list"),
    ({"subscribers": [{"email": f"p{i}@acme.fr"} for i in range(1001)]},
     "Too many subscribers in one request (max 1000)"),
])
def test_bad_envelope_is_400_at_once_and_schedules_nothing(botamp_mock: BotampMock, body: Any,
                                                           message: str) -> None:
    r = post(botamp_mock, MANY, body)
    assert (r.status_code, r.json()) == (400, err(message))
    assert botamp_mock.jobs.pending() == [] and botamp_mock.batches == []


def test_a_good_envelope_is_200_at_once_and_queues_one_job(botamp_mock: BotampMock) -> None:
    r = post(botamp_mock, MANY, {"subscribers": [{"email": "a@acme.fr"}, "not even a dict"]})
    assert (r.status_code, r.json(), r.headers["content-type"]) == (200, {}, JSON_TYPE)
    assert len(botamp_mock.jobs.pending()) == 1
    assert [(b.size, b.status) for b in botamp_mock.batches] == [(2, "pending")]


def test_client_splits_long_lists_into_batches_of_1000(botamp_mock: BotampMock,
                                                       bt: Botamp) -> None:
    people = ({"email": f"p{i}@acme.fr"} for i in range(2500))
    assert bt.create_or_update_all(people) == 3
    assert [b.size for b in botamp_mock.batches] == [1000, 1000, 500]
    raises(InvalidRequest, bt.create_or_update_subscribers,
           [{"email": f"p{i}@acme.fr"} for i in range(1001)])
    botamp_mock.drain()
    assert len(botamp_mock.subscribers) == 40 + 2500


# ==========================================================================================
# Concurrency: overlapping single upserts lose no field
# ==========================================================================================
FIELDS = ("name", "job_title", "country", "address", "company_name", "website",
          "postal_code")


def test_threads_against_the_live_server_lose_no_field(botamp_live: BotampMock) -> None:
    emails = [f"shared{i}@acme.fr" for i in range(5)]
    errors: list[BaseException] = []

    def worker(field: str) -> None:
        try:
            with botamp_live.client(http_client=None) as bt:
                for round_ in range(4):
                    for email in emails:
                        bt.create_or_update_subscriber(
                            email.upper() if round_ % 2 else email,
                            **{field: f"{field}-{email}"}, tags=[field, f"r{round_}"])
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f,)) for f in FIELDS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    rows = botamp_live.http.get("/_sandbox/subscribers").json()["subscribers"]
    shared = {s["email"]: s for s in rows if s["email"].lower() in emails}
    assert len(shared) == len(emails)
    for s in shared.values():
        key = s["email"].lower()
        assert {f: s[f] for f in FIELDS} == {f: f"{f}-{key}" for f in FIELDS}
        assert sorted(s["tags"]) == sorted([*FIELDS, "r0", "r1", "r2", "r3"])
