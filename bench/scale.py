"""`python -m bench.scale`: how the fakes hold up with many records, in-process.

    .venv/bin/python -m bench.scale [--subscribers 1000000]

1. ConvertKit with N subscribers (default one million) in one account, inserted through the
   model's find-or-create (what every subscribe handler calls): insert time, RSS bytes per
   stored subscriber, then through the app in-process: page 1 vs the last page of
   `GET /v3/subscribers` (50 a page), and a form subscribe of an existing email
   (find-or-create by email) — each the median of repeated calls.
2. Botamp: one 100,000-entry batch job (bench/botamp_batch.py's rows).
3. eSputnik: one 3,000-contact bulk import (`POST /v1/contacts`) accepted, then drained.
Prints a table; asserts nothing.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from mailmocks.apis.convertkit.model import find_or_create
from mailmocks.testing import make_mock
from mailmocks.testing.convertkit import Mock as ConvertKitMock
from mailmocks.testing.esputnik import Mock as EsputnikMock

from . import botamp_batch
from .report import table


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def median_ms(fn: Callable[[], Any], times: int = 25) -> float:
    fn()  # warm
    runs = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def convertkit(n: int) -> list[list[str]]:
    mock = make_mock(ConvertKitMock, strict=False)
    world, acct = mock.world, mock.account
    mock.clock.freeze()
    gc.collect()
    before = rss_bytes()
    t0 = time.perf_counter()
    for i in range(n):
        find_or_create(world, acct, f"subscriber{i}@scale.example.com", f"Name{i}", None,
                       "active")
    insert = time.perf_counter() - t0
    gc.collect()
    per = (rss_bytes() - before) / n
    secret = mock.api_secret
    pages = -(-len(acct.subscribers) // 50)
    http = mock.http

    def page(p: int) -> Callable[[], Any]:
        return lambda: http.get("/v3/subscribers", params={"api_secret": secret, "page": p})

    assert page(pages)().json()["subscribers"], "the last page is empty"
    first, last = median_ms(page(1)), median_ms(page(pages))
    form = acct.forms.ids()
    form_id = next(iter(form))
    subscribe = median_ms(lambda: http.post(f"/v3/forms/{form_id}/subscribe", json={
        "api_key": mock.api_key, "email": f"subscriber{n // 2}@scale.example.com"}))
    return [["ConvertKit insert (find-or-create)", f"{n:,} subscribers",
             f"{insert:.1f} s ({n / insert:,.0f}/s)"],
            ["ConvertKit RSS per subscriber", f"{n:,} subscribers", f"{per:,.0f} B"],
            ["ConvertKit GET /v3/subscribers page 1", "median of 25", f"{first:.2f} ms"],
            [f"ConvertKit GET /v3/subscribers page {pages:,}", "median of 25",
             f"{last:.2f} ms ({last / first:.2f}x page 1)"],
            ["ConvertKit subscribe, existing email", "median of 25", f"{subscribe:.2f} ms"]]


def botamp(n: int) -> list[list[str]]:
    seconds, _ = botamp_batch.one_job(n)
    return [["Botamp one batch job", f"{n:,} entries",
             f"{seconds:.2f} s ({n / seconds:,.0f}/s)"]]


def esputnik(n: int) -> list[list[str]]:
    mock = make_mock(EsputnikMock, strict=False)
    contacts = [{"firstName": f"C{i}", "channels": [{"type": "email",
                                                     "value": f"c{i}@scale.example.com"}]}
                for i in range(n)]
    client = mock.client()
    t0 = time.perf_counter()
    client.add_contacts(contacts, "email")
    accepted = time.perf_counter() - t0
    t0 = time.perf_counter()
    mock.drain()
    applied = time.perf_counter() - t0
    return [["eSputnik bulk import accepted", f"{n:,} contacts", f"{accepted * 1000:.0f} ms"],
            ["eSputnik bulk import applied (drain)", f"{n:,} contacts",
             f"{applied * 1000:.0f} ms"]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    p.add_argument("--subscribers", type=int, default=1_000_000)
    p.add_argument("--botamp", type=int, default=100_000)
    p.add_argument("--contacts", type=int, default=3000)
    args = p.parse_args(argv)
    rows = [*botamp(args.botamp), *esputnik(args.contacts), *convertkit(args.subscribers)]
    print(table(["measure", "size", "result"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
