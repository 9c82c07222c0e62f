"""Drive a scenario with wrk (`wrk -t1 -c32 -dNs`) when it is on PATH."""
from __future__ import annotations

import asyncio
import os
import re
import resource
import shutil
import tempfile
from collections.abc import Callable

from .loadgen import LoadResult
from .scenarios import Target


def available() -> str | None:
    return shutil.which("wrk")


def _parse(out: str, duration: float) -> LoadResult:
    r = LoadResult(elapsed=duration)
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if m:
        r.completed = int(m.group(1))
        unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}.get(m.group(3), 1.0)
        r.elapsed = float(m.group(2)) * unit
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r.non_2xx = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r.errors = sum(int(g) for g in m.groups()) if m else 0
    for q in (50, 99):  # --latency: "     50%    1.23ms"
        m = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            value = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
            setattr(r, f"p{q}_ms", value)
    return r


async def _wrk(wrk: str, url: str, script: str | None, connections: int, seconds: float) -> str:
    args = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if script:
        args += ["-s", script]
    proc = await asyncio.create_subprocess_exec(*args, url, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), seconds + 30)
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    return out.decode(errors="replace")


async def run_wrk(wrk: str, host: str, port: int, target: Target, *, connections: int,
                  warmup: float, duration: float, on_start: Callable[[], None],
                  on_stop: Callable[[], None]) -> LoadResult:
    lua = target.wrk_lua()
    script = None
    if lua:
        fd, script = tempfile.mkstemp(prefix="bench-", suffix=".lua")
        with os.fdopen(fd, "w") as f:
            f.write(lua)
    url = f"http://{host}:{port}{target.path}"
    try:
        if warmup > 0:
            await _wrk(wrk, url, script, connections, warmup)  # discarded
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        on_start()
        out = await _wrk(wrk, url, script, connections, duration)
        on_stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        if script:
            os.unlink(script)
    result = _parse(out, duration)
    # RUSAGE_CHILDREN grows only when a child is reaped: between the two reads that is wrk.
    result.client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result.non_2xx:
        result.first_bad = "(wrk does not show response bodies)"
    return result
