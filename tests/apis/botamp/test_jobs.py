"""Botamp jobs.py: the asynchronous batch upsert, its report email, and batches overlapping
single upserts.

Facts: docs/vendors/botamp.md §2.2, §4 and decision D-6; assumptions F and G. A batch is
answered 200 at once, applied by a background job (nothing runs in a test until
`botamp_mock.drain()` or `advance()`), then reported by email to the account owner
(owner@atelier-lumiere.fr).
"""
from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from support import wait_for

from mailmocks.apis.botamp.model import Subscriber
from mailmocks.clients.botamp import Botamp
from mailmocks.testing.botamp import Mock as BotampMock

MANY = "/api/subscribers/create_or_update_many"
OWNER = "owner@atelier-lumiere.fr"
DUPLICATE = "Duplicate email (only the first occurrence is used)"


def post(mock: BotampMock, body: Any) -> httpx.Response:
    return mock.http.post(MANY, json=body,
                          headers={"authorization": f"Bearer {mock.api_key}"})


def stored(mock: BotampMock, email: str) -> Subscriber:
    found = mock.subscriber(email)
    assert found is not None, f"{email} is not stored"
    return found


def thousand() -> tuple[list[dict[str, Any]], dict[int, str]]:
    """1,000 entries: 900 distinct valid people, 50 duplicates (some differing in case, some
    in their data), and 50 invalid rows of five kinds; plus what the job must make of them."""
    rows: list[dict[str, Any]] = []
    for i in range(900):
        rows.append({"email": f"person{i}@botamp-customer.com", "name": f"Person {i}",
                     "tags": ["import", f"group{i % 3}"], "birthday": "1980-01-15"})
    skipped: dict[int, str] = {}
    for k in range(50):  # duplicates of earlier rows: must never win
        rows.append({"email": f"PERSON{k}@Botamp-Customer.com", "name": "Impostor",
                     "tags": ["dup"]})
        skipped[len(rows)] = DUPLICATE
    bad: list[tuple[dict[str, Any], str]] = [
        ({"name": "no email"}, "Email is required"),
        ({"email": "not-an-email"}, "Email is invalid"),
        ({"email": "ghost@nowhere.invalid"}, "Email does not exist"),
        ({"email": "late@botamp-customer.com", "birthday": "31/12/1999"},
         "Birthday must use the yyyy-mm-dd format"),
        ({"email": "typed@botamp-customer.com", "tags": "vip"}, "Tags is invalid"),
    ]
    for k in range(50):
        row, reason = bad[k % len(bad)]
        row = dict(row)
        if "email" in row:  # distinct emails, so no invalid row is a duplicate
            local, at, domain = row["email"].partition("@")
            row["email"] = f"{local}{k}{at}{domain}"
        rows.append(row)
        skipped[len(rows)] = reason
    return rows, skipped


# ==========================================================================================
# The 1,000-subscriber batch (§2.2, D-6)
# ==========================================================================================
def test_thousand_subscriber_batch_is_applied_only_by_the_job(botamp_mock: BotampMock,
                                                              bt: Botamp) -> None:
    seeded = botamp_mock.subscribers[0]
    rows, skipped = thousand()
    rows.insert(10, {"email": seeded.email.upper(), "job_title": "Buyer", "tags": ["import"]})
    skipped = {(n + 1 if n > 10 else n): reason for n, reason in skipped.items()}
    rows.pop()  # keep exactly 1,000 entries (drops the last invalid row)
    del skipped[1001]
    assert len(rows) == 1000

    assert bt.create_or_update_subscribers(rows) == {}
    # accepted at once, nothing applied, no report yet
    assert len(botamp_mock.subscribers) == 40
    assert botamp_mock.subscriber("person0@botamp-customer.com") is None
    assert botamp_mock.reports() == []
    assert [b.status for b in botamp_mock.batches] == ["pending"]
    assert len(botamp_mock.jobs.pending()) == 1

    assert botamp_mock.drain() == 1
    assert len(botamp_mock.subscribers) == 40 + 900
    p0 = stored(botamp_mock, "person0@botamp-customer.com")
    assert (p0.name, p0.tags, p0.birthday) == ("Person 0", ["import", "group0"], "1980-01-15")
    assert p0.email == "person0@botamp-customer.com"  # the first occurrence's spelling
    assert not any(s.name == "Impostor" or "dup" in s.tags for s in botamp_mock.subscribers)
    assert seeded.job_title == "Buyer" and "import" in seeded.tags
    for missing in ("ghost2@nowhere.invalid", "late8@botamp-customer.com",
                    "typed9@botamp-customer.com"):
        assert botamp_mock.subscriber(missing) is None

    batch = botamp_mock.batches[0]
    assert (batch.status, batch.size, batch.created, batch.updated) == ("done", 1000, 900, 1)
    assert {s.entry: s.reason for s in batch.skipped} == skipped
    assert len(batch.skipped) == 99

    [report] = botamp_mock.reports()
    assert (report.to, report.kind, report.channel) == (OWNER, "report", "email")
    assert report.subject == "Your subscriber import is done"
    assert report.sender == "Botamp <no-reply@botamp.com>"
    assert "Created: 900\nUpdated: 1\nSkipped: 99\n" in report.text
    assert f"- entry 902 (PERSON0@Botamp-Customer.com): {DUPLICATE}\n" in report.text
    assert "- entry 952 (no email): Email is required\n" in report.text
    assert "<li>Created: 900</li>" in report.html
    assert (report.data["created"], report.data["updated"]) == (900, 1)
    assert len(report.data["skipped"]) == 99


def test_advancing_the_clock_runs_a_delayed_batch(botamp_mock: BotampMock, bt: Botamp) -> None:
    botamp_mock.clock.freeze(1_800_000_000)
    botamp_mock.world.batch_delay = 30.0  # a slower Botamp: the job starts 30 s later
    bt.create_or_update_subscribers([{"email": "late@acme.fr"}])
    assert botamp_mock.drain() == 0 and botamp_mock.subscriber("late@acme.fr") is None
    botamp_mock.advance(29)
    assert botamp_mock.subscriber("late@acme.fr") is None
    botamp_mock.advance(1)
    late = stored(botamp_mock, "late@acme.fr")
    assert late.created_at == 1_800_000_030
    assert botamp_mock.batches[0].finished_at == 1_800_000_030


def test_first_occurrence_wins_even_when_it_is_invalid(botamp_mock: BotampMock,
                                                       bt: Botamp) -> None:
    bt.create_or_update_subscribers([
        {"email": "a@acme.fr", "birthday": "nope"},
        {"email": "A@acme.fr", "name": "second"},
    ])
    botamp_mock.drain()
    assert botamp_mock.subscriber("a@acme.fr") is None
    assert [(s.entry, s.reason) for s in botamp_mock.batches[0].skipped] == [
        (1, "Birthday must use the yyyy-mm-dd format"), (2, DUPLICATE)]


def test_non_object_entries_are_skipped_not_fatal(botamp_mock: BotampMock) -> None:
    r = post(botamp_mock, {"subscribers": ["a@acme.fr", None, 3, {"email": "ok@acme.fr"}]})
    assert (r.status_code, r.json()) == (200, {})
    botamp_mock.drain()
    batch = botamp_mock.batches[0]
    assert (batch.created, [s.reason for s in batch.skipped]) == (1, ["Email is required"] * 3)


def test_batches_apply_in_order_and_merge_like_single_upserts(botamp_mock: BotampMock,
                                                              bt: Botamp) -> None:
    bt.create_or_update_subscribers([{"email": "a@acme.fr", "name": "one", "tags": ["x"]}])
    bt.create_or_update_subscribers([{"email": "a@acme.fr", "country": "FR", "tags": ["y"]}])
    assert botamp_mock.drain() == 2
    a = stored(botamp_mock, "a@acme.fr")
    assert (a.name, a.country, a.tags) == ("one", "FR", ["x", "y"])
    assert [(b.created, b.updated) for b in botamp_mock.batches] == [(1, 0), (0, 1)]
    assert len(botamp_mock.reports()) == 2


# ==========================================================================================
# The report email (D-6, assumption G)
# ==========================================================================================
def test_a_clean_batch_report_lists_no_skipped_entries(botamp_mock: BotampMock,
                                                       bt: Botamp) -> None:
    bt.create_or_update_subscribers([{"email": "a@acme.fr"}])
    botamp_mock.drain()
    [report] = botamp_mock.reports()
    assert "Skipped: 0\n" in report.text and "Skipped entries" not in report.text


def test_the_report_html_escapes_what_the_request_sent(botamp_mock: BotampMock) -> None:
    post(botamp_mock, {"subscribers": [{"email": "<b>@nowhere.invalid"}]})
    botamp_mock.drain()
    [report] = botamp_mock.reports()
    assert "<li>Entry 1 (&lt;b&gt;@nowhere.invalid): Email does not exist</li>" in report.html
    assert "- entry 1 (<b>@nowhere.invalid): Email does not exist\n" in report.text


def test_the_report_goes_to_the_owner_of_the_key(botamp_mock: BotampMock) -> None:
    other = botamp_mock.client(api_key="0b5e1d7c9a3f4e2d8c6b1a0f9e7d5c3b")
    other.create_or_update_subscribers([{"email": "a@acme.fr"}])
    botamp_mock.drain()
    [msg] = botamp_mock.outbox.messages("botamp")
    assert msg.to == "admin@other-co.com" and botamp_mock.reports() == []


# ==========================================================================================
# Batches and single upserts overlapping lose no field
# ==========================================================================================
FIELDS = ("name", "job_title", "country", "address", "company_name", "website",
          "postal_code")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_client_overlapping_upserts_and_batches_lose_no_field(
        botamp_mock: BotampMock) -> None:
    async with botamp_mock.async_client() as bt:
        calls = [bt.create_or_update_subscriber(f"s{i % 10}@acme.fr",
                                                **{FIELDS[i % 7]: f"v{i % 7}"},
                                                tags=[f"t{i}"])
                 for i in range(70)]
        calls.append(bt.create_or_update_subscribers(
            [{"email": f"S{i}@acme.fr", "birthday": "2001-02-03", "tags": ["batch"]}
             for i in range(10)]))
        assert await asyncio.gather(*calls) == [{}] * 71
    botamp_mock.drain()
    for i in range(10):
        s = stored(botamp_mock, f"s{i}@acme.fr")
        assert {f: getattr(s, f) for f in FIELDS} == {f: f"v{k}" for k, f in enumerate(FIELDS)}
        assert s.birthday == "2001-02-03"
        assert set(s.tags) == {f"t{j}" for j in range(i, 70, 10)} | {"batch"}


# ==========================================================================================
# In the running sandbox: the ticker runs the job; the admin surface shows the report
# ==========================================================================================
def test_live_batch_is_applied_by_the_ticker_and_reported(botamp_live: BotampMock) -> None:
    botamp_live.world.batch_delay = 0.3  # long enough to see the "not yet" state
    with botamp_live.client(http_client=None) as bt:
        bt.create_or_update_subscribers([{"email": "live@acme.fr", "name": "Live"},
                                         {"email": "live@acme.test"}])
    http = botamp_live.http
    assert http.get("/_sandbox/subscribers", params={"email": "live@acme.fr"}).json()[
        "total"] == 0
    assert wait_for(lambda: http.get("/_sandbox/batches").json()["batches"][0]["status"]
                    == "done", timeout=5), "the sandbox never ran the batch"
    rows = http.get("/_sandbox/subscribers", params={"email": "live@acme.fr"}).json()
    assert rows["subscribers"][0]["name"] == "Live"
    reports = httpx.get(f"{botamp_live.root}/_admin/outbox",
                        params={"api": "botamp", "kind": "report"}, trust_env=False).json()
    assert [(m["to"], m["data"]["created"], m["data"]["skipped"]) for m in reports] == [
        (OWNER, 1, [{"entry": 2, "email": "live@acme.test", "reason": "Email does not exist"}])]
