"""`python -m bench.durability`: what a `kill -9` of `mailmocks serve --data-dir` loses.

Starts the sandbox (ConvertKit only) with a data dir, creates a tag every `--gap` seconds
(each acknowledged with a 201), kills the server with SIGKILL at a random moment, starts it
again on the same data dir and finds the newest tag that survived. The loss window of a run
is the age, at the kill, of the oldest acknowledged tag that is gone. Asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from mailmocks.pytest_plugin import free_port

ROOT = Path(__file__).resolve().parents[1]
SECRET = "ck_sec_Jp3Hd9Kf2Ls8Qw5Ez1Cx7Vb4Nm6"


def start(data: str, every: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mailmocks", "serve", "--port", str(port),
                             "--api", "convertkit", "--quiet", "--data-dir", data,
                             "--save-every", str(every)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}/convertkit"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/v3/tags", params={"api_secret": SECRET}, trust_env=False)
            return proc, base
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the sandbox did not start") from None
            time.sleep(0.02)


def one_run(every: float, gap: float, rng: random.Random) -> float:
    with tempfile.TemporaryDirectory() as data:
        proc, base = start(data, every)
        acked: list[tuple[str, float]] = []
        kill_at = time.monotonic() + 2 * every + rng.uniform(0, 2 * every)
        with httpx.Client(trust_env=False, timeout=10) as http:
            n = 0
            while time.monotonic() < kill_at:
                name = f"t{n}"
                if http.post(f"{base}/v3/tags", json={"api_secret": SECRET,
                                                      "tag": {"name": name}}).status_code < 300:
                    acked.append((name, time.monotonic()))
                n += 1
                time.sleep(gap)
        killed = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc, base = start(data, every)
        kept = {t["name"] for t in httpx.get(f"{base}/v3/tags", params={"api_secret": SECRET},
                                             trust_env=False).json()["tags"]}
        proc.terminate()
        proc.wait()
    lost = [at for name, at in acked if name not in kept]
    return killed - min(lost) if lost else 0.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.durability",
                                description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--save-every", type=float, default=1.0)
    p.add_argument("--gap", type=float, default=0.02, help="seconds between writes")
    args = p.parse_args(argv)
    rng = random.Random(1)
    windows = [one_run(args.save_every, args.gap, rng) for _ in range(args.runs)]
    print(f"--save-every {args.save_every:g}: acknowledged writes lost by a kill -9, oldest "
          f"lost write's age at the kill, {args.runs} runs: "
          + ", ".join(f"{w:.2f} s" for w in windows) + f"; worst {max(windows):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
