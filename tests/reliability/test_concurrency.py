"""Invariants under concurrent load on a live server (uvicorn on 127.0.0.1, many clients).

Overlapping emails and ids from many threads at once: no duplicate per unique key, no lost
field, counts that add up, and a later synchronous write never overwritten by an earlier
asynchronous (202) one. `make check-deep` runs it with more clients and rounds.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reliability.corpus import DEEP, FIGURES

from mailmocks.clients.convertkit import ConvertKit
from mailmocks.clients.esputnik import ESputnik
from mailmocks.clients.parcelvoy import Parcelvoy
from mailmocks.testing.convertkit import Mock as ConvertKitMock
from mailmocks.testing.esputnik import Mock as EsputnikMock
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

CLIENTS = 64 if DEEP else 8
ROUNDS = 150 if DEEP else 6
POOL = 25  # distinct emails / ids the clients fight over


def run_all(work: Callable[[int], Any], requests: int) -> list[Any]:
    FIGURES["concurrent requests"] += CLIENTS * requests
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(work, range(CLIENTS)))


def test_convertkit_overlapping_signups_and_mixed_updates(convertkit_live: ConvertKitMock
                                                          ) -> None:
    live = convertkit_live
    live.services.limiter.enabled = False
    admin = ConvertKit(live.api_key, live.api_secret, base_url=live.base_url)
    form_id = admin.list_forms()["forms"][0]["id"]
    before = {s.email for s in live.account.subscribers}
    labels = [f"Field {i}" for i in range(12)]
    admin.create_custom_fields(labels)
    keys = [f["key"] for f in admin.list_custom_fields()["custom_fields"]
            if f["label"] in labels]
    emails = [f"load{i}@example.com" for i in range(POOL)]

    def signup(worker: int) -> None:
        ck = ConvertKit(live.api_key, live.api_secret, base_url=live.base_url)
        for r in range(ROUNDS):
            ck.add_subscriber_to_form(form_id, emails[(worker * 7 + r) % POOL],
                                      first_name=f"w{worker}")

    run_all(signup, ROUNDS)
    subscribers = list(admin.iter_subscribers())
    seen = [s["email_address"] for s in subscribers]
    assert len(seen) == len(set(seen))  # no duplicate email
    assert set(seen) >= set(emails)
    assert len({s.email for s in live.account.subscribers}) == len(before | set(emails))

    # each worker owns one subscriber: a 202 (12 fields, applied later) then a 200 (one field)
    ids = [admin.add_subscriber_to_form(form_id, f"own{w}@example.com")["subscription"]
           ["subscriber"]["id"] for w in range(CLIENTS)]

    def update(worker: int) -> None:
        ck = ConvertKit(live.api_key, live.api_secret, base_url=live.base_url)
        sid = ids[worker]
        ck.update_subscriber(sid, first_name="from the 202",
                             fields={k: f"async {worker}" for k in keys})
        ck.update_subscriber(sid, first_name="from the 200", fields={keys[0]: f"sync {worker}"})

    run_all(update, 2)
    live.drain()
    for worker, sid in enumerate(ids):
        got = admin.get_subscriber(sid)["subscriber"]
        assert got["first_name"] == "from the 200", got  # the later write stands
        assert got["fields"][keys[0]] == f"sync {worker}"
        assert all(got["fields"][k] == f"async {worker}" for k in keys[1:])  # no field lost


def test_esputnik_overlapping_contacts_stay_unique(esputnik_live: EsputnikMock) -> None:
    live = esputnik_live
    live.services.limiter.enabled = False
    before = len(live.org.contacts)
    emails = [f"load{i}@example.com" for i in range(POOL)]

    def upsert(worker: int) -> None:
        es = ESputnik(live.api_key, base_url=live.base_url)
        for r in range(ROUNDS):
            email = emails[(worker * 3 + r) % POOL]
            # a body sent twice within seconds is eSputnik's 409 "Duplicated request":
            # each one differs (the round), as a real client's would
            es.subscribe_contact({"firstName": f"w{worker}", "lastName": f"r{r}",
                                  "channels": [{"type": "email", "value": email}]})

    run_all(upsert, ROUNDS)
    live.drain()
    stored = [c for c in live.org.contacts.values()
              if any(ch.get("value") in emails for ch in c.channels)]
    assert len(stored) == POOL  # one contact per email, whoever won
    assert len(live.org.contacts) == before + POOL


def test_parcelvoy_overlapping_identify_keeps_one_user_per_id(parcelvoy_live: ParcelvoyMock
                                                              ) -> None:
    live = parcelvoy_live
    live.services.limiter.enabled = False
    ids = [f"load-{i}" for i in range(POOL)]

    def identify(worker: int) -> None:
        pv = Parcelvoy(live.public_key, base_url=live.base_url)
        for r in range(ROUNDS):
            pv.identify(external_id=ids[(worker * 5 + r) % POOL],
                        data={f"w{worker}": r})

    run_all(identify, ROUNDS)
    live.drain()
    for external_id in ids:
        user = live.user(external_id)
        assert user is not None
    users = [u for u in live.world.users if u.external_id in ids]
    assert len(users) == POOL  # no duplicate per external id
    # every worker's last write to a user it touched is there: no field lost in a merge
    for worker in range(CLIENTS):
        last = {ids[(worker * 5 + r) % POOL]: r for r in range(ROUNDS)}
        for external_id, r in last.items():
            user = live.user(external_id)
            assert user is not None and user.data.get(f"w{worker}") == r
