"""`python -m bench.memory`: what a flood of oversized, unauthenticated bodies costs the server.

Starts the full sandbox in its own process, records its RSS, then sends N bodies of SIZE bytes
with wrong credentials to eSputnik (whose body limit is 10 MiB, so they are read whole) and to
ConvertKit (limit 1 MiB: refused after the first bytes), and reports RSS after each round and
the journal's own byte count. The journal keeps bodies clipped within a byte budget, so RSS
should level off instead of growing with N.
"""
from __future__ import annotations

import argparse
import time

import httpx

from .servers import HOST, Server, free_ports


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=100, help="bodies per round (default 100)")
    p.add_argument("--size", type=float, default=9.5, help="MiB per body (default 9.5)")
    p.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = p.parse_args(argv)
    [port] = free_ports(1)
    server = Server("sandbox", "bench.apps:full_sandbox_app", port)
    server.start()
    try:
        server.wait_ready()
        base = f"http://{HOST}:{port}"
        body = b'{"contacts": [{"email": "' + b"x" * int(args.size * (1 << 20)) + b'"}]}'
        print(f"sandbox RSS at start: {server.rss_mib('VmRSS'):.0f} MiB")
        with httpx.Client(base_url=base, timeout=60, trust_env=False) as http:
            for round_no in range(1, args.rounds + 1):
                started = time.perf_counter()
                statuses: dict[int, int] = {}
                for i in range(args.requests):
                    target = ("/esputnik/api/v1/contacts" if i % 2 == 0
                              else "/convertkit/v3/forms/3001/subscribe")
                    r = http.post(target, content=body, auth=("x", "wrong"),
                                  headers={"content-type": "application/json"})
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                journal = http.get("/_admin").json()
                print(f"round {round_no}: {args.requests} x {args.size:g} MiB in "
                      f"{time.perf_counter() - started:.1f} s, statuses {statuses}; "
                      f"RSS {server.rss_mib('VmRSS'):.0f} MiB (peak "
                      f"{server.rss_mib('VmHWM'):.0f}), journal {journal['journal']}")
    finally:
        server.stop()
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
