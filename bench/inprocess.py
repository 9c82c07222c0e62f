"""In-process costs of testing against mailmocks: per call, per fake built, per xdist run.

    .venv/bin/python -m bench.inprocess [--calls N] [--tests N] [--repeat N] [--skip-xdist]

A benchmark, not a test: it asserts nothing and prints numbers. Only loopback is touched
(the xdist run starts pytest on a generated 50-test suite in a temporary folder).

1. Per call (GET /v3/forms, ConvertKit, µs each, median of 5 rounds of N calls):
   the intercepted fake (httpx sync and async, requests), a static respx route, static
   requests-mock and responses routes (what the patching libraries cost alone), and the
   fake's own `mock.http` / `mock.async_http` (no patching).
2. First and next fake in a fresh process: `make_mock(api)` per API and `Sandbox()` of all.
3. A 50-test suite using the fixtures: serial vs `-n 2` wall time, and a control suite of
   as many plain CPU-bound tests (is there a second core to gain at all?).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
URL = "https://api.convertkit.com/v3/forms"


def per_call(fn: Callable[[], object], calls: int, rounds: int = 5) -> float:
    fn()  # warm: first-use compilation, connection set-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times) * 1e6


def per_call_async(make: Callable[[], object], calls: int, rounds: int = 5) -> float:
    async def run() -> float:
        fn = make()
        await fn()  # type: ignore[operator]
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(calls):
                await fn()  # type: ignore[operator]
            times.append((time.perf_counter() - start) / calls)
        return statistics.median(times) * 1e6
    return asyncio.run(run())


def call_overhead(calls: int) -> list[tuple[str, float]]:
    import requests
    import requests_mock
    import responses
    import respx

    from mailmocks import intercept
    from mailmocks.testing import make_mock

    out: list[tuple[str, float]] = []
    body = {"forms": [{"id": 1, "name": "x"}]}
    with respx.mock(assert_all_called=False) as router:
        router.get(URL).respond(200, json=body)
        client = httpx.Client()
        out.append(("static respx route, httpx sync", per_call(lambda: client.get(URL), calls)))
    with requests_mock.Mocker() as m:
        m.get(URL, json=body)
        session = requests.Session()
        out.append(("static requests-mock route", per_call(lambda: session.get(URL), calls)))
    with responses.RequestsMock() as rsps:
        rsps.get(URL, json=body)
        session = requests.Session()
        out.append(("static responses route", per_call(lambda: session.get(URL), calls)))

    mock = make_mock("convertkit")
    mock.services.limiter.enabled = False
    params = {"api_key": mock.api_key}  # type: ignore[attr-defined]
    out.append(("fake via mock.http (no patching)",
                per_call(lambda: mock.http.get("/v3/forms", params=params), calls)))

    def own_async() -> object:
        return lambda: mock.async_http.get("/v3/forms", params=params)
    out.append(("fake via mock.async_http (no patching)", per_call_async(own_async, calls)))

    with intercept(["convertkit"]) as mm:
        ck = mm.convertkit
        ck.services.limiter.enabled = False
        params = {"api_key": ck.api_key}
        client = httpx.Client()
        out.append(("intercepted fake, httpx sync",
                    per_call(lambda: client.get(URL, params=params), calls)))
        session = requests.Session()
        out.append(("intercepted fake, requests",
                    per_call(lambda: session.get(URL, params=params), calls)))

        def intercepted_async() -> object:
            aclient = httpx.AsyncClient()
            return lambda: aclient.get(URL, params=params)
        out.append(("intercepted fake, httpx async", per_call_async(intercepted_async, calls)))
        ck.journal.clear()
    return out


BUILD = """
import json, sys, time
t0 = time.perf_counter()
from mailmocks.testing import make_mock
from mailmocks.sandbox import Sandbox
t1 = time.perf_counter()
api = sys.argv[1]
if api == "all":
    Sandbox(strict=True); t2 = time.perf_counter(); Sandbox(strict=True)
else:
    make_mock(api); t2 = time.perf_counter(); make_mock(api)
t3 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2]))
"""


def build_times() -> list[tuple[str, float, float, float]]:
    import json

    from mailmocks import apis
    out = []
    for name in [*apis.names(), "all"]:
        res = subprocess.run([sys.executable, "-c", BUILD, name], capture_output=True,
                             text=True, check=True, cwd=ROOT, env={**os.environ,
                                                                   "PYTHONPATH": str(ROOT)})
        imp, first, nxt = json.loads(res.stdout)
        out.append((name, imp, first, nxt))
    return out


SUITE = '''
import httpx, pytest

http = httpx.Client()  # as production code keeps one (httpx.get() builds an SSL context each)

@pytest.mark.parametrize("n", range({n}))
def test_signup(convertkit_mock, n):
    r = http.post("https://api.convertkit.com/v3/forms/3001/subscribe",
                   json={{"api_key": convertkit_mock.api_key, "email": f"u{{n}}@example.com"}})
    assert r.status_code == 200
    convertkit_mock.assert_called("add_subscriber_to_form", times=1)
    for _ in range(20):
        http.get("https://api.convertkit.com/v3/forms",
                 params={{"api_key": convertkit_mock.api_key}})
'''


# The control: the same number of tests, no mailmocks, ~10 ms of CPU each. Where -n 2 is not
# faster for this one either, the machine has no second core to give (other load).
CONTROL = '''
import pytest

@pytest.mark.parametrize("n", range({n}))
def test_cpu(n):
    sum(range(200_000))
'''


def xdist(tests: int, suite: str = SUITE, repeat: int = 1) -> list[tuple[str, float, str]]:
    """Wall time of serial and -n 2 runs, the best of `repeat` each (runs alternate)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "test_suite.py").write_text(textwrap.dedent(suite.format(n=tests)))
        # a user's project has no hypothesis or schemathesis (our own test tools): their
        # plugins' import would be most of each worker's start-up here
        Path(tmp, "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider "
                                           "-p no:hypothesispytest -p no:schemathesis\n")
        best: dict[str, tuple[float, str]] = {}
        for _ in range(repeat):
            for label, extra in (("serial", []), ("-n 2", ["-n", "2"])):
                start = time.perf_counter()
                res = subprocess.run([sys.executable, "-m", "pytest", "-q", *extra], cwd=tmp,
                                     capture_output=True, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
                wall = time.perf_counter() - start
                last = (res.stdout.strip().splitlines() or ["?"])[-1]
                if label not in best or wall < best[label][0]:
                    best[label] = (wall, last)
        out = [(label, wall, last) for label, (wall, last) in best.items()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--tests", type=int, default=50)
    parser.add_argument("--skip-xdist", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="xdist runs: the best of this many each (default 1)")
    args = parser.parse_args()
    print(f"per call, median of 5 x {args.calls} (µs):")
    for label, us in call_overhead(args.calls):
        print(f"  {label:<42} {us:8.0f}")
    print("fake build in a fresh process (s): import, first, next")
    for name, imp, first, nxt in build_times():
        print(f"  {name:<12} {imp:6.3f} {first:6.3f} {nxt:8.4f}")
    if not args.skip_xdist:
        print(f"load average before the xdist runs: {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")
        for title, suite in (("with fixtures", SUITE), ("control, no mailmocks", CONTROL)):
            print(f"{args.tests}-test suite {title}, wall time (s):")
            for label, wall, last in xdist(args.tests, suite, args.repeat):
                print(f"  {label:<8} {wall:6.2f}   {last}")


if __name__ == "__main__":
    main()
