"""`python -m bench`: load the mailmocks sandbox and a bare Starlette app the same way, compare.

Starts both servers, sends one request of each kind to check they answer, then loads each
scenario on each server in turn (never both at once: they share the machine's cores with the
load generator) and prints req/s, the mailmocks/bare ratio, non-2xx counts, peak RSS and CPU.
Asserts nothing; exits non-zero only if a server cannot be started.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from types import FrameType

import httpx

from . import wrk as wrk_driver
from .loadgen import LoadResult, run_load
from .machine import parallel_capacity
from .report import num, table
from .scenarios import Scenario, Target, scenarios
from .servers import HOST, UVICORN_FLAGS, Server, ServerFailed, free_ports


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=5.0,
                   help="measured seconds per scenario and server (default 5)")
    p.add_argument("--connections", type=int, default=32,
                   help="concurrent keep-alive connections (default 32)")
    p.add_argument("--warmup", type=float, default=1.0,
                   help="seconds of uncounted load before each measurement (default 1)")
    args = p.parse_args(argv)
    if args.duration <= 0 or args.connections < 1 or args.warmup < 0:
        p.error("--duration must be > 0, --connections >= 1, --warmup >= 0")
    return args


@dataclass
class Measured:
    load: LoadResult
    server_cpu: float  # server CPU seconds inside the window
    peak_rss: float | None  # server VmHWM after the run, MiB


def preflight(server: Server, target: Target) -> str:
    """One request before the load: shows status and size, and any error body in full."""
    url = f"http://{HOST}:{server.port}{target.path}"
    body = target.bodies[0] if target.bodies else None
    headers = {"Content-Type": "application/json"} if body else {}
    try:
        r = httpx.request(target.method, url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        return f"{server.name:9} {target.method} {target.path[:48]}: request failed: {exc!r}"
    line = f"{server.name:9} {target.method} {target.path[:48]}: {r.status_code}, " \
           f"{len(r.content):,} B"
    if not r.is_success:
        line += f"\n    body: {r.text[:500]}"
    return line


async def measure(server: Server, target: Target, args: argparse.Namespace,
                  wrk: str | None) -> Measured:
    cpu: list[float] = []

    def sample() -> None:
        cpu.append(server.cpu_seconds())

    if wrk:
        load = await wrk_driver.run_wrk(
            wrk, HOST, server.port, target, connections=args.connections, warmup=args.warmup,
            duration=args.duration, on_start=sample, on_stop=sample)
    else:
        load = await run_load(
            HOST, server.port, target, connections=args.connections, warmup=args.warmup,
            duration=args.duration, on_start=sample, on_stop=sample)
    return Measured(load, cpu[1] - cpu[0] if len(cpu) == 2 else 0.0, server.rss_mib("VmHWM"))


async def run_all(mm: Server, bare: Server, args: argparse.Namespace, wrk: str | None
                  ) -> list[tuple[Scenario, Measured, Measured]]:
    results = []
    for sc in scenarios():
        print(f"  loading: {sc.name} ...", flush=True)
        m = await measure(mm, sc.mailmocks, args, wrk)
        b = await measure(bare, sc.bare, args, wrk)
        results.append((sc, m, b))
    return results


def pct(cpu: float, elapsed: float) -> str:
    return f"{100 * cpu / elapsed:.0f}%" if elapsed else "n/a"


def print_results(results: list[tuple[Scenario, Measured, Measured]]) -> None:
    rows = []
    for sc, m, b in results:
        ratio = m.load.rps / b.load.rps if b.load.rps else None
        rows.append([sc.name, num(m.load.rps), num(b.load.rps), num(ratio, "{:.2f}x"),
                     f"{m.load.non_2xx}/{b.load.non_2xx}",
                     num(m.peak_rss, "{:.1f}"), num(b.peak_rss, "{:.1f}")])
    print(table(["scenario", "mailmocks req/s", "bare req/s", "ratio mm/bare",
                 "non-2xx mm/bare", "peak RSS mm MiB", "peak RSS bare MiB"], rows))
    print()
    detail = []
    for sc, m, b in results:
        for who, x in (("mailmocks", m), ("bare", b)):
            detail.append([f"{sc.name} / {who}", f"{x.load.completed:,}",
                           f"{x.load.elapsed:.2f}", pct(x.server_cpu, x.load.elapsed),
                           pct(x.load.client_cpu, x.load.elapsed), str(x.load.errors)])
    print(table(["run", "responses", "seconds", "server CPU", "client CPU", "conn errors"],
                detail))
    for sc, m, b in results:
        for who, x in (("mailmocks", m), ("bare", b)):
            if x.load.non_2xx:
                print(f"\n{sc.name} / {who}: non-2xx by status {x.load.statuses or ''}; "
                      f"first: {x.load.first_bad}")


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # same clean shutdown path as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Started from a non-interactive shell with `&`, SIGINT arrives ignored: restore Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _sigterm)
    t_start = time.monotonic()
    wrk = wrk_driver.available()
    p_mm, p_bare = free_ports(2)
    servers = [Server("mailmocks", "bench.apps:sandbox_app", p_mm),
               Server("bare", "bench.apps:bare_app", p_bare)]
    mm, bare = servers
    code = 0
    print("mailmocks bench: sandbox Sandbox(['convertkit']) vs bare Starlette + orjson")
    print(f"  uvicorn flags (both): {' '.join(UVICORN_FLAGS)}")
    print("  mailmocks: rate limiting DISABLED for the bench (services.limiter.enabled = False)")
    if wrk:
        print(f"  load: wrk ({wrk}) -t1 -c{args.connections}, POST body via Lua (fixed email)")
    else:
        print(f"  load: wrk not on PATH -> built-in asyncio raw-socket generator "
              f"(HTTP/1.1 keep-alive, {args.connections} connections, 1 request in flight each)")
    print(f"  per run: {args.warmup:g} s warmup + {args.duration:g} s measured; "
          f"python {sys.version.split()[0]}")
    cap = parallel_capacity()
    print(f"  cores: {os.cpu_count()} listed; two busy processes got {num(cap, '{:.2f}')} "
          f"cores' worth together"
          + (" -> client and server share ~1 core: client CPU is taken from the server"
             if cap is not None and cap < 1.5 else ""))
    try:
        for s in servers:
            s.start()
        for s in servers:
            s.wait_ready()
        for s in servers:
            print(f"  {s.name:9} pid {s.pid} port {s.port}: uvicorn picked {s.runtime()}; "
                  f"RSS at ready {num(s.rss_mib('VmRSS'), '{:.1f}')} MiB")
        print("preflight (one request each):")
        for sc in scenarios():
            print("  " + preflight(mm, sc.mailmocks))
            print("  " + preflight(bare, sc.bare))
        results = asyncio.run(run_all(mm, bare, args, wrk))
        print()
        print_results(results)
    except ServerFailed as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print("\ninterrupted: stopping servers", file=sys.stderr)
        code = 130
    finally:
        # Ignore a second Ctrl-C while shutting down so the servers are always stopped.
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        for s in servers:
            rc = s.stop()
            extra = s.complaints()
            if rc not in (0, None) or extra:
                print(f"\n{s.name} server exit code {rc}; its log:\n{extra or '(empty)'}",
                      file=sys.stderr)
            s.close()
    print(f"\ntotal wall time {time.monotonic() - t_start:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
