"""`python -m bench.startup`: how soon `mailmocks serve` answers, and where start-up time goes.

Launches `python -m mailmocks serve` (all five APIs unless --api) `--runs` times and measures,
from the launch, the first HTTP answer of a cheap control route (`/_admin/clock`), the first
answer of an API (ConvertKit's `GET /v3/forms`), and, with `--data-dir`, the same from a
saved snapshot. Then, in this process, the parts: imports, each API's package import,
contract load and compile, and world (fixtures, Faker rows), and one snapshot of all the
worlds (the time a `--data-dir` save holds the loop, part of the kill -9 window).
Asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from mailmocks.pytest_plugin import free_port

ROOT = Path(__file__).resolve().parents[1]
CK_KEY = "ck_pub_8Xq2LmN4vR7tY1wZ"


def cpu_seconds(pid: int) -> float:
    """CPU the process has used so far (user + system): what the wall time would be on an
    idle machine, whatever the other tenants of this one are doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch(extra: list[str], root: Path = ROOT) -> tuple[float, float, float]:
    """(first control answer, first API answer) in seconds after the launch, and the CPU
    seconds the server had used by its first answer."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(root)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "mailmocks", "serve", "--port", str(port),
                             *extra], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=root, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(trust_env=False, timeout=60) as http:
            first = _poll(http, f"{base}/_admin/clock", started, proc)
            cpu = cpu_seconds(proc.pid)
            _poll(http, f"{base}/convertkit/v3/forms?api_key={CK_KEY}", started, proc)
            api = time.monotonic() - started
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return first, api, cpu


def _poll(http: httpx.Client, url: str, started: float, proc: subprocess.Popen[bytes]) -> float:
    while True:
        try:
            http.get(url)
            return time.monotonic() - started
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() - started > 60:
                raise SystemExit(f"the server did not answer {url}") from None
            time.sleep(0.005)


def parts(names: list[str]) -> list[tuple[str, float]]:
    """Where the CPU time goes, in a fresh interpreter (nothing cached yet): process time, so
    the figures do not depend on what else the machine runs."""
    code = f"""
import time
t = time.process_time()
import uvicorn, starlette.applications, mailmocks.cli, mailmocks.sandbox
print("imports (uvicorn, starlette, mailmocks core)", time.process_time() - t)
from mailmocks import apis
from mailmocks.core.services import Services
s = Services()
for name in {names!r}:
    t = time.process_time(); api = apis.load(name)
    print(name + ": package import", time.process_time() - t)
    t = time.process_time(); api.contract
    print(name + ": contract load + compile", time.process_time() - t)
    t = time.process_time(); api.new_world(s, None, None)
    print(name + ": world (fixtures, Faker rows)", time.process_time() - t)
from mailmocks.sandbox import Sandbox
from mailmocks.serve.persist import Persister
from mailmocks.core.storage import SqliteStorage
import tempfile
box = Sandbox({names!r})
p = Persister(SqliteStorage(tempfile.mkdtemp()), box)
p.snapshot()
t = time.process_time(); data = p.snapshot()
print(f"snapshot of every world ({{len(data) // 1024}} KiB), on the loop", time.process_time() - t)
t = time.process_time(); p.storage.save({{"state": data}}, format=1, writer="bench")
print("snapshot written to SQLite, on a thread", time.process_time() - t)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    rows = []
    for line in out.stdout.splitlines():
        label, _, seconds = line.rpartition(" ")
        rows.append((label, float(seconds)))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.startup",
                                description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="launches to measure (default 5)")
    p.add_argument("--api", action="append", default=None, help="serve only this API")
    p.add_argument("--checkout", type=Path, default=None,
                   help="also time another checkout of mailmocks (e.g. an export of main), "
                        "interleaved with this one so both meet the same machine load")
    args = p.parse_args(argv)
    names = args.api or ["convertkit", "botamp", "esputnik", "parcelvoy", "highlevel"]
    if "convertkit" not in names:
        p.error("the API answer is timed on ConvertKit: include --api convertkit")
    flags = [f"--api={n}" for n in names]
    runs, other = [], []
    for _ in range(args.runs):
        runs.append(launch([*flags, "--quiet"]))
        if args.checkout is not None:
            other.append(launch(flags, args.checkout.resolve()))
    with tempfile.TemporaryDirectory() as data:
        launch([*flags, "--quiet", "--data-dir", data])  # writes the first snapshot
        restored = [launch([*flags, "--quiet", "--data-dir", data]) for _ in range(args.runs)]
    if other:
        print(f"{args.checkout} ({', '.join(names)}), {args.runs} launches, median [min-max]:")
        for label, samples in (("first answer (/_admin/clock)", [r[0] for r in other]),
                               ("  CPU used by then", [r[2] for r in other]),
                               ("first ConvertKit answer", [r[1] for r in other])):
            print(f"  {label:40} {statistics.median(samples):6.3f} s  "
                  f"[{min(samples):.3f}-{max(samples):.3f}]")
    print(f"this checkout ({', '.join(names)}), {args.runs} launches, median [min-max]:")
    for label, samples in (("first answer (/_admin/clock)", [r[0] for r in runs]),
                           ("  CPU used by then", [r[2] for r in runs]),
                           ("first ConvertKit answer", [r[1] for r in runs]),
                           ("first answer, --data-dir restore", [r[0] for r in restored]),
                           ("first ConvertKit answer, --data-dir", [r[1] for r in restored])):
        print(f"  {label:40} {statistics.median(samples):6.3f} s  "
              f"[{min(samples):.3f}-{max(samples):.3f}]")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print("where the CPU time goes (one fresh interpreter, process time):")
    for label, seconds in parts(names):
        print(f"  {label:52} {seconds * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
