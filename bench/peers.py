"""`python -m bench.peers` (`make bench-peers`): mailmocks beside the mock servers users compare
it with, measured in one run on this machine.

Servers, each its own process on 127.0.0.1: bare Starlette+orjson (the floor), mailmocks
(default, and `--strict` which also checks every answer against the contract), Prism 5 mocking
our own contracts/convertkit.yaml, WireMock 3 serving static stubs of the same two answers
(the jar from the npm package `wiremock`, run with the machine's Java), and Mockoon CLI
importing the contract. Peers are installed from the npm registry into a cache folder
(MAILMOCKS_PEERS_DIR, default ~/.cache/mailmocks/peers) the first time; a peer that cannot be
installed or started is skipped with its reason. Load: wrk when on PATH, else the built-in
generator. Servers are measured interleaved (round-robin, several rounds per scenario), so
drift on a shared machine spreads over all of them. Writes bench/RESULTS.md; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from . import wrk as wrk_driver
from .loadgen import LoadResult, run_load
from .report import num, table
from .scenarios import CK_API_KEY, CK_API_SECRET, Target, _subscribe_bodies
from .servers import HOST, ROOT, Server, ServerFailed, free_ports

PEERS_DIR = Path(os.environ.get("MAILMOCKS_PEERS_DIR", "~/.cache/mailmocks/peers")).expanduser()
NPM_PACKAGES = ["@stoplight/prism-cli@5", "wiremock@3", "@mockoon/cli@9"]
CONTRACT = ROOT / "contracts" / "convertkit.yaml"
RESULTS = ROOT / "bench" / "RESULTS.md"
# the key in the query as well as the body: Prism checks the security scheme's place (query)
SUBSCRIBE = f"/v3/forms/3001/subscribe?api_key={CK_API_KEY}"
PAGE = f"/v3/subscribers?api_secret={CK_API_SECRET}&page=2"


class Process(Server):
    """A server that is not our uvicorn factory: its own command line."""

    def __init__(self, name: str, port: int, argv: list[str]) -> None:
        super().__init__(name, "", port)
        self.argv = argv

    def command(self) -> list[str]:
        return self.argv


@dataclass
class Peer:
    server: Server
    prefix: str  # where its ConvertKit paths start ("/convertkit" for mailmocks)
    paths: dict[str, str] = field(default_factory=dict)  # scenario -> path it answers

    @property
    def name(self) -> str:
        return self.server.name


def install_peers(log: list[str]) -> Path | None:
    """npm install the peers once into the cache folder; None when npm is missing or fails."""
    bin_dir = PEERS_DIR / "node_modules" / ".bin"
    if (bin_dir / "prism").exists() and (bin_dir / "mockoon-cli").exists() \
            and (PEERS_DIR / "node_modules" / "wiremock").exists():
        return PEERS_DIR
    npm = shutil.which("npm")
    if npm is None:
        log.append("npm not on PATH: Prism, WireMock and Mockoon skipped")
        return None
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    print(f"  installing peers into {PEERS_DIR} (first run only) ...", flush=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix",
                           str(PEERS_DIR), *NPM_PACKAGES], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        log.append(f"npm install failed ({done.returncode}): "
                   f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return None
    return PEERS_DIR


def wiremock_jar(peers: Path) -> Path | None:
    found = sorted((peers / "node_modules" / "wiremock").rglob("wiremock*standalone*.jar"))
    return found[-1] if found else None


def write_stubs(root: Path, answers: dict[str, tuple[int, bytes]]) -> None:
    """WireMock mappings: the exact answers mailmocks gave, as static stubs."""
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    stubs = [
        {"request": {"method": "POST", "urlPath": "/convertkit" + SUBSCRIBE.split("?")[0]},
         "response": {"status": answers["subscribe"][0], "body": answers["subscribe"][1].decode(),
                      "headers": {"Content-Type": "application/json; charset=utf-8"}}},
        {"request": {"method": "GET", "urlPath": "/convertkit/v3/subscribers"},
         "response": {"status": answers["page"][0], "body": answers["page"][1].decode(),
                      "headers": {"Content-Type": "application/json; charset=utf-8"}}},
    ]
    (mappings / "convertkit.json").write_text(json.dumps({"mappings": stubs}))


def build_peers(ports: list[int], peers_dir: Path | None, stub_root: Path,
                skipped: list[str]) -> list[Peer]:
    out = [
        Peer(Server("bare", "bench.apps:bare_app", ports[0]), ""),
        Peer(Server("mailmocks", "bench.apps:sandbox_app", ports[1]), "/convertkit"),
        Peer(Server("mailmocks --strict", "bench.apps:strict_sandbox_app", ports[2]),
             "/convertkit"),
    ]
    if peers_dir is None:
        return out
    bin_dir = peers_dir / "node_modules" / ".bin"
    out.append(Peer(Process("prism", ports[3], [
        str(bin_dir / "prism"), "mock", "-h", HOST, "-p", str(ports[3]), str(CONTRACT)]), ""))
    java, jar = shutil.which("java"), wiremock_jar(peers_dir)
    if java and jar:
        out.append(Peer(Process("wiremock", ports[4], [
            java, "-jar", str(jar), "--port", str(ports[4]), "--bind-address", HOST,
            "--root-dir", str(stub_root), "--disable-banner", "--no-request-journal",
            "--async-response-enabled", "true"]), "/convertkit"))
    else:
        skipped.append("wiremock: " + ("java not on PATH" if not java else "jar not found"))
    out.append(Peer(Process("mockoon", ports[5], [
        str(bin_dir / "mockoon-cli"), "start", "--data", str(CONTRACT), "--port",
        str(ports[5]), "--hostname", HOST, "--disable-log-to-file"]), ""))
    return out


def probe(peer: Peer, scenario: str) -> tuple[int, bytes] | str:
    """One request: the status and body it answers, or why it cannot be measured."""
    path = peer.prefix + (SUBSCRIBE if scenario == "subscribe" else PAGE)
    if peer.name == "bare":
        path = "/subscribe" if scenario == "subscribe" else "/page"
    body = _subscribe_bodies()[0] if scenario == "subscribe" else None
    try:
        r = httpx.request("POST" if body else "GET", f"http://{HOST}:{peer.server.port}{path}",
                          content=body, timeout=10,
                          headers={"Content-Type": "application/json"} if body else {})
    except httpx.HTTPError as exc:
        return f"request failed: {exc!r}"
    if not r.is_success:
        return f"answered {r.status_code}: {r.text[:160]}"
    peer.paths[scenario] = path
    return r.status_code, r.content


async def measure(peer: Peer, scenario: str, seconds: float, warmup: float, connections: int,
                  wrk: str | None) -> LoadResult:
    path = peer.paths[scenario]
    target = Target("POST", path, _subscribe_bodies()) if scenario == "subscribe" \
        else Target("GET", path)
    if wrk:
        return await wrk_driver.run_wrk(wrk, HOST, peer.server.port, target,
                                        connections=connections, warmup=warmup,
                                        duration=seconds, on_start=lambda: None,
                                        on_stop=lambda: None)
    return await run_load(HOST, peer.server.port, target, connections=connections,
                          warmup=warmup, duration=seconds)


def merge(parts: list[LoadResult]) -> LoadResult:
    total = LoadResult(completed=sum(p.completed for p in parts),
                       non_2xx=sum(p.non_2xx for p in parts),
                       errors=sum(p.errors for p in parts),
                       elapsed=sum(p.elapsed for p in parts))
    for p in parts:
        total.latencies_ms.extend(p.latencies_ms)
    for q in (50, 99):  # wrk reports percentiles per run: their median across rounds
        given = sorted(v for p in parts if (v := getattr(p, f"p{q}_ms")) is not None)
        if given:
            setattr(total, f"p{q}_ms", given[len(given) // 2])
    return total


def report(results: dict[str, dict[str, LoadResult]], order: list[str], header: list[str],
           skipped: list[str]) -> str:
    lines = ["# Benchmark: mailmocks beside its peers", "", *header, ""]
    for scenario, title in (("subscribe", "ConvertKit form subscribe (POST)"),
                            ("page", "ConvertKit subscribers page 2 (GET)")):
        got = results.get(scenario, {})
        bare = got.get("bare")
        mm = got.get("mailmocks")
        rows = []
        for name in order:
            r = got.get(name)
            if r is None:
                continue
            rows.append([name, num(r.rps), num(r.percentile(50), "{:.2f}"),
                         num(r.percentile(99), "{:.2f}"),
                         num(r.rps / bare.rps if bare and bare.rps else None, "{:.2f}x"),
                         num(mm.rps / r.rps if mm and r.rps else None, "{:.2f}x"),
                         str(r.non_2xx)])
        lines += [f"## {title}", "", table(
            ["server", "req/s", "p50 ms", "p99 ms", "÷ bare", "mailmocks ÷ it", "non-2xx"],
            rows, markdown=True), ""]
    if skipped:
        lines += ["## Skipped", "", *[f"- {s}" for s in skipped], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=6.0,
                   help="measured seconds per scenario and server, over all rounds (default 6)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--no-install", action="store_true", help="never run npm; skip missing peers")
    args = p.parse_args(argv)
    started = time.monotonic()
    skipped: list[str] = []
    wrk = wrk_driver.available()
    peers_dir = None if args.no_install else install_peers(skipped)
    stub_root = Path(tempfile.mkdtemp(prefix="bench-wiremock-"))
    peers = build_peers(free_ports(6), peers_dir, stub_root, skipped)
    by_name = {x.name: x for x in peers}
    running: list[Peer] = []
    try:
        # mailmocks first: its answers become WireMock's static stubs
        for peer in peers[:3]:
            peer.server.start()
        for peer in peers[:3]:
            peer.server.wait_ready()
            running.append(peer)
        answers: dict[str, tuple[int, bytes]] = {}
        for scenario in ("subscribe", "page"):
            got = probe(by_name["mailmocks"], scenario)
            if isinstance(got, str):
                raise ServerFailed(f"mailmocks {scenario}: {got}")
            answers[scenario] = got
        write_stubs(stub_root, answers)
        for peer in peers[3:]:
            peer.server.start()
        for peer in peers[3:]:
            try:
                peer.server.wait_ready(timeout=60)
                running.append(peer)
            except ServerFailed as exc:
                skipped.append(f"{peer.name}: did not start ({str(exc).splitlines()[0]})")
                peer.server.stop()
        results: dict[str, dict[str, LoadResult]] = {}
        for scenario in ("subscribe", "page"):
            able = []
            for peer in running:
                got = probe(peer, scenario)
                if isinstance(got, str):
                    skipped.append(f"{peer.name} / {scenario}: {got}")
                else:
                    able.append(peer)
            parts: dict[str, list[LoadResult]] = {x.name: [] for x in able}
            for rnd in range(args.rounds):
                for peer in able:
                    print(f"  {scenario}: round {rnd + 1}/{args.rounds} {peer.name} ...",
                          flush=True)
                    parts[peer.name].append(asyncio.run(measure(
                        peer, scenario, args.duration / args.rounds,
                        args.warmup if rnd == 0 else 0.2, args.connections, wrk)))
            results[scenario] = {name: merge(got) for name, got in parts.items()}
        load = (f"wrk -t1 -c{args.connections} --latency" if wrk else
                f"built-in generator, {args.connections} keep-alive connections")
        header = [f"- run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                  f"{os.cpu_count()} cores, python {sys.version.split()[0]}",
                  f"- load: {load}; {args.duration:g} s per server and scenario in "
                  f"{args.rounds} interleaved rounds (+{args.warmup:g} s warm-up)",
                  "- mailmocks: Sandbox(['convertkit']), rate limiting off; --strict checks "
                  "every answer against the contract",
                  f"- uvicorn picked: bare {by_name['bare'].server.runtime()}; mailmocks "
                  f"{by_name['mailmocks'].server.runtime()}",
                  "- Prism and Mockoon mock contracts/convertkit.yaml; WireMock serves static "
                  "stubs of mailmocks's own two answers"]
        text = report(results, [x.name for x in peers], header, skipped)
        RESULTS.write_text(text + "\n")
        print()
        print(text)
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}; "
              f"total wall time {time.monotonic() - started:.0f} s")
        return 0
    except ServerFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for peer in peers:
            with contextlib.suppress(Exception):
                peer.server.stop()
                peer.server.close()
        shutil.rmtree(stub_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
