"""Botamp batch throughput: subscribers applied per second by the background job.

    .venv/bin/python -m bench.botamp_batch [--rows 10000] [--repeat 5]

Two measurements on a fresh in-process fake each round (no network, no HTTP in the timing):

1. *one job*: a single 10,000-entry batch handed to the job function directly (the API caps
   a request at 1,000 entries, so this is the job's raw rate on one long list);
2. *as the API takes it*: 10 requests of 1,000 entries through the thin client (accepted at
   once, timed separately), then `drain()` timed: 10 jobs plus their 10 report emails.

Rows: 80 % new subscribers with every field and two tags, 10 % updates of subscribers stored
before the batch (another case, tags merged), 5 % duplicates within the same request and 5 %
invalid (bad email, unknown domain, bad birthday). Prints the best and the median of
`--repeat` rounds. It asserts nothing beyond the counts being what the rows say.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from mailmocks.apis.botamp.jobs import run_batch
from mailmocks.apis.botamp.model import Batch
from mailmocks.testing import make_mock


def rows(n: int, offset: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        k = offset + i
        kind = i % 20
        if kind < 16:  # new
            out.append({"email": f"user{k}@bench-customer.com", "name": f"User {k}",
                        "job_title": "Engineer", "country": "France", "address": f"{k} rue X",
                        "company_name": "ACME", "website": "https://acme.fr",
                        "postal_code": "75001", "birthday": "1990-04-30",
                        "tags": ["bench", f"g{k % 7}"]})
        elif kind < 18:  # update of a subscriber stored before the batch (another case)
            u = (k // 20) * 2 + kind - 16
            out.append({"email": f"OLD{u}@Bench-Customer.com", "country": "Belgium",
                        "tags": ["updated"]})
        elif kind == 18:  # duplicate of the row just before the previous one
            out.append({"email": f"user{k - 18}@bench-customer.com", "name": "dup"})
        else:  # invalid, three kinds
            bad = ({"email": f"bad{k}"}, {"email": f"x{k}@nowhere.invalid"},
                   {"email": f"b{k}@bench-customer.com", "birthday": "30/04/1990"})
            out.append(bad[k % 3])
    return out


def fresh_mock(n: int) -> Any:
    """A fake holding the n/10 subscribers the update rows refer to (stored untimed)."""
    mock = make_mock("botamp", strict=False)
    old = [{"email": f"old{u}@bench-customer.com", "name": f"Old {u}"} for u in range(n // 10)]
    run_batch(mock.world, mock.world.default, Batch(0, len(old), mock.clock.now()), old)
    mock.outbox.clear()
    return mock


def one_job(n: int) -> tuple[float, Batch]:
    mock = fresh_mock(n)
    entries = rows(n)
    batch = Batch(1, len(entries), mock.clock.now())
    start = time.perf_counter()
    run_batch(mock.world, mock.world.default, batch, entries)
    elapsed = time.perf_counter() - start
    mock.close()
    return elapsed, batch


def through_api(n: int) -> tuple[float, float, list[Batch]]:
    mock = fresh_mock(n)
    bt = mock.client()
    chunks = [rows(1000, offset) for offset in range(0, n, 1000)]
    start = time.perf_counter()
    for chunk in chunks:
        bt.create_or_update_subscribers(chunk)
    accepted = time.perf_counter() - start
    start = time.perf_counter()
    mock.drain()
    drained = time.perf_counter() - start
    batches = list(mock.world.default.batches)
    mock.close()
    return accepted, drained, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.rows

    singles, drains, accepts = [], [], []
    for _ in range(args.repeat):
        elapsed, batch = one_job(n)
        assert batch.created + batch.updated + len(batch.skipped) == n
        singles.append(elapsed)
        accepted, drained, batches = through_api(n)
        assert sum(b.created + b.updated + len(b.skipped) for b in batches) == n
        accepts.append(accepted)
        drains.append(drained)

    def rate(seconds: list[float]) -> str:
        return (f"best {n / min(seconds):,.0f}/s ({min(seconds) * 1000:.1f} ms), "
                f"median {n / statistics.median(seconds):,.0f}/s "
                f"({statistics.median(seconds) * 1000:.1f} ms)")

    print(f"Botamp batch job, {n:,} entries ({batch.created} created, {batch.updated} updated, "
          f"{len(batch.skipped)} skipped), {args.repeat} rounds")
    print(f"  one {n:,}-entry job:              {rate(singles)}")
    print(f"  {n // 1000} x 1,000 via API, drain():     {rate(drains)}")
    print(f"  {n // 1000} x 1,000 accepted (HTTP, in-process): {rate(accepts)}")


if __name__ == "__main__":
    main()
