"""ConvertKit: what is accepted can be read back (issue 18). Dates and numbers are checked
against what the service can hold before anything is stored; a broadcast whose template
fails at send time ends `failed` and stays editable; a 202 update never overwrites a later
synchronous one. References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

import pytest
from support import wait_for

from mailmocks.testing.convertkit import Mock as ConvertKitMock

EXTREME_TIMES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]


def purchase(**changes: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "transaction_id": "rel-1", "email_address": "rel@example.com", "currency": "usd",
        "products": [{"name": "Disk", "unit_price": 5.0, "quantity": 1, "pid": 1, "lid": 1}]}
    p.update(changes)
    return p


@pytest.mark.parametrize("when", EXTREME_TIMES)
def test_a_purchase_time_out_of_range_is_refused(convertkit_mock: ConvertKitMock,
                                                  when: str) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.post("/v3/purchases", json={"api_secret": secret,
                                         "purchase": purchase(transaction_time=when)})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "Unprocessable Entity"
    listed = http.get("/v3/purchases", params={"api_secret": secret})
    assert listed.status_code == 200
    assert "rel-1" not in {p["transaction_id"] for p in listed.json()["purchases"]}


@pytest.mark.parametrize("product", [{"quantity": 1e308}, {"quantity": 2**31},
                                     {"quantity": -(2**31) - 1}, {"quantity": "1e308"},
                                     {"unit_price": 1e308}, {"unit_price": "1e400"},
                                     {"unit_price": 10.0**13}, {"pid": 1e308},
                                     {"lid": 2**63}])
def test_product_numbers_out_of_range_are_refused(convertkit_mock: ConvertKitMock,
                                                   product: dict[str, Any]) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    item = {"name": "Disk", "unit_price": 5.0, "quantity": 1, "pid": 1, "lid": 1, **product}
    r = http.post("/v3/purchases", json={"api_secret": secret,
                                         "purchase": purchase(products=[item])})
    assert r.status_code == 422, r.text
    assert http.get("/v3/purchases", params={"api_secret": secret}).status_code == 200


@pytest.mark.parametrize("money", ["subtotal", "tax", "shipping", "discount", "total"])
def test_money_out_of_range_is_refused(convertkit_mock: ConvertKitMock, money: str) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.post("/v3/purchases", json={"api_secret": secret,
                                         "purchase": purchase(**{money: 1e308})})
    assert r.status_code == 422, r.text


def test_the_largest_values_in_range_are_stored_and_read(convertkit_mock: ConvertKitMock) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    item = {"name": "Disk", "unit_price": 99999999.99, "quantity": 2**31 - 1, "pid": 1, "lid": 1}
    r = http.post("/v3/purchases", json={"api_secret": secret, "purchase": purchase(
        products=[item], transaction_time="9999-12-31T23:59:59Z")})
    assert r.status_code == 201, r.text
    got = http.get(f"/v3/purchases/{r.json()['id']}", params={"api_secret": secret}).json()
    assert got["transaction_time"] == "9999-12-31T23:59:59Z"
    assert got["products"][0]["quantity"] == 2**31 - 1


@pytest.mark.parametrize("when", EXTREME_TIMES)
@pytest.mark.parametrize("field", ["send_at", "published_at"])
def test_a_broadcast_time_out_of_range_is_refused(convertkit_mock: ConvertKitMock, when: str,
                                                  field: str) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.post("/v3/broadcasts", json={"api_secret": secret, field: when})
    assert r.status_code == 422, r.text
    r = http.put("/v3/broadcasts/1", json={"api_secret": secret, field: when})
    assert r.status_code == 422, r.text
    assert http.get("/v3/broadcasts/1", params={"api_secret": secret}).status_code == 200


def test_a_broadcast_whose_template_fails_ends_failed_and_stays_editable(
        frozen: ConvertKitMock) -> None:
    http, secret = frozen.http, frozen.api_secret
    r = http.post("/v3/broadcasts", json={"api_secret": secret, "subject": "Oops",
                                          "content": "{{ 1 | divided_by: 0 }}",
                                          "send_at": "2026-03-01T12:00:00Z"})
    assert r.status_code == 201, r.text
    bid = r.json()["broadcast"]["id"]
    frozen.drain()
    stats = http.get(f"/v3/broadcasts/{bid}/stats", params={"api_secret": secret}).json()
    assert stats["broadcast"]["stats"]["status"] == "failed"
    failed = [m for m in frozen.outbox.messages() if m.meta.get("broadcast_id") == bid]
    assert failed and all(m.status == "failed" for m in failed)
    assert failed[0].meta["error"] == "broadcast not sent: divided_by: can't divide by 0"
    fixed = http.put(f"/v3/broadcasts/{bid}", json={"api_secret": secret,
                                                    "content": "Hello again"})
    assert fixed.status_code == 200, fixed.text
    frozen.drain()
    stats = http.get(f"/v3/broadcasts/{bid}/stats", params={"api_secret": secret}).json()
    assert stats["broadcast"]["stats"]["status"] == "completed"
    r = http.post("/v3/broadcasts", json={"api_secret": secret,
                                          "content": "{{ 1 | divided_by: 0 }}",
                                          "send_at": "2026-03-01T12:00:00Z"})
    frozen.drain()
    gone = http.delete(f"/v3/broadcasts/{r.json()['broadcast']['id']}",
                       params={"api_secret": secret})
    assert gone.status_code == 204


@pytest.mark.slow
def test_a_failing_broadcast_ends_failed_when_served(convertkit_live: ConvertKitMock) -> None:
    http, secret = convertkit_live.http, convertkit_live.api_secret
    r = http.post("/v3/broadcasts", json={"api_secret": secret,
                                          "content": "{{ 1 | divided_by: 0 }}",
                                          "send_at": "2020-01-01 00:00:00"})
    bid = r.json()["broadcast"]["id"]

    def status() -> str:
        stats = http.get(f"/v3/broadcasts/{bid}/stats", params={"api_secret": secret})
        return str(stats.json()["broadcast"]["stats"]["status"])

    assert wait_for(lambda: status() == "failed")
    assert http.delete(f"/v3/broadcasts/{bid}", params={"api_secret": secret}).status_code == 204


def many_fields(company: str) -> dict[str, Any]:
    """11 keys: the update is answered 202 and applied later (§7)."""
    return {"company": company, **{f"extra_{i}": "x" for i in range(10)}}


def test_a_queued_email_change_reserves_its_email(convertkit_mock: ConvertKitMock) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.put("/v3/subscribers/10", json={"api_secret": secret, "fields": many_fields("A"),
                                             "email_address": "moved@example.com"})
    assert r.status_code == 202
    r = http.put("/v3/subscribers/11", json={"api_secret": secret,
                                             "email_address": "MOVED@example.com"})
    assert (r.status_code, r.json()["message"]) == (422, "Email address has already been taken")
    convertkit_mock.drain()
    got = http.get("/v3/subscribers", params={"api_secret": secret,
                                              "email_address": "moved@example.com"}).json()
    assert [s["id"] for s in got["subscribers"]] == [10]
    assert got["subscribers"][0]["fields"]["company"] == "A"


def test_a_later_write_is_never_overwritten_by_an_earlier_202(
        convertkit_mock: ConvertKitMock) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.put("/v3/subscribers/12", json={"api_secret": secret, "first_name": "Early",
                                             "fields": many_fields("Early Co")})
    assert r.status_code == 202
    r = http.put("/v3/subscribers/12", json={"api_secret": secret, "first_name": "Late",
                                             "fields": {"company": "Late Co"}})
    assert r.status_code == 200
    assert (r.json()["subscriber"]["first_name"],
            r.json()["subscriber"]["fields"]["company"]) == ("Late", "Late Co")
    convertkit_mock.drain()
    s = http.get("/v3/subscribers/12", params={"api_secret": secret}).json()["subscriber"]
    assert (s["first_name"], s["fields"]["company"]) == ("Late", "Late Co")


def test_a_subscribe_after_a_queued_email_change_finds_the_subscriber(
        convertkit_mock: ConvertKitMock) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.put("/v3/subscribers/13", json={"api_secret": secret, "fields": many_fields("B"),
                                             "email_address": "renamed@example.com"})
    assert r.status_code == 202
    r = http.post("/v3/tags/1/subscribe", json={"api_secret": secret,
                                                "email": "renamed@example.com"})
    assert r.status_code == 200
    assert r.json()["subscription"]["subscriber"]["id"] == 13
    convertkit_mock.drain()
    assert len(convertkit_mock.account.subscribers) == 300


def test_valid_data_never_expects_a_server_error() -> None:
    from mailmocks.apis.convertkit import api
    assert not [s for s in api.checks.expected_statuses if s.startswith("5")]


@pytest.mark.parametrize("bound", ["from", "to", "updated_from", "updated_to"])
def test_a_list_filter_beyond_the_range_compares_without_error(
        convertkit_mock: ConvertKitMock, bound: str) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    for when in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        r = http.get("/v3/subscribers", params={"api_secret": secret, bound: when})
        assert r.status_code == 200, r.text
        late = when.startswith("9999")
        everyone = bound.endswith("from") != late
        assert (r.json()["total_subscribers"] > 0) is everyone


@pytest.mark.slow
def test_mixed_sync_and_202_updates_under_load_keep_emails_unique(
        convertkit_live: ConvertKitMock) -> None:
    """8 clients at once, 202 and 200 updates over overlapping emails on 8 subscribers: no
    address is ever held twice, no queued update fails, and each subscriber ends with the
    email and the field of one and the same accepted request (no write half lost)."""
    import random
    import threading

    import httpx

    convertkit_live.services.limiter.enabled = False
    secret, root = convertkit_live.api_secret, convertkit_live.base_url
    accepted: dict[int, set[str]] = {sid: set() for sid in range(1, 9)}
    statuses: list[int] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=root, trust_env=False, timeout=30) as http:
            for _ in range(25):
                sid, email = rng.randint(1, 8), f"pool{rng.randint(1, 6)}@example.com"
                fields = many_fields(email) if rng.random() < 0.5 else {"company": email}
                r = http.put(f"/v3/subscribers/{sid}", json={
                    "api_secret": secret, "email_address": email, "fields": fields})
                with lock:
                    statuses.append(r.status_code)
                    if r.status_code in (200, 202):
                        accepted[sid].add(email)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {200, 202, 422} and {200, 202} <= set(statuses)
    assert wait_for(lambda: not [j for j in convertkit_live.jobs.pending()
                                 if j.name == "convertkit:update_subscriber"])
    assert [j for j in convertkit_live.jobs.finished() if j.status == "failed"] == []
    people = [convertkit_live.account.subscribers.get(sid) for sid in range(1, 9)]
    emails = [p.email.lower() for p in people if p is not None]
    assert len(emails) == len(set(emails))  # no address held twice
    for sid, person in enumerate(people, 1):
        assert person is not None
        if accepted[sid]:
            assert person.email in accepted[sid]
            assert person.fields["company"] == person.email  # one request's values, together


def test_odd_values_are_named_by_their_field_and_a_negative_pid_is_an_id(
        convertkit_mock: ConvertKitMock) -> None:
    http, secret = convertkit_mock.http, convertkit_mock.api_secret
    r = http.post("/v3/broadcasts", json={"api_secret": secret, "subject": "S",
                                          "send_at": "9999-12-31T23:59:59-12:00"})
    assert r.status_code == 422 and r.json()["message"].startswith("send_at is out of range")
    r = http.post("/v3/purchases", json={"api_secret": secret, "purchase": {
        "transaction_id": "neg-pid", "email_address": "neg@example.com", "subtotal": 1,
        "currency": "USD",
        "total": 1, "products": [{"pid": -7, "lid": "-8", "name": "N", "unit_price": 1,
                                  "quantity": 1}]}})
    assert r.status_code == 201, r.text  # the contract takes any bigint id
