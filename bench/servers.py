"""Start, watch and stop the uvicorn server processes.

Each server is its own process (one worker) so its CPU and memory are its own, and both get
exactly the same uvicorn flags: only the factory differs.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .apps import RUNTIME_MARK

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent  # the repo: where `bench` and `mailmocks` import from
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Identical for every server; listed once so they cannot drift apart.
UVICORN_FLAGS = [
    "--host", HOST, "--workers", "1",
    "--log-level", "warning", "--no-access-log",
    "--lifespan", "on", "--loop", "auto", "--http", "auto",
]


class ServerFailed(RuntimeError):
    pass


def free_ports(n: int) -> list[int]:
    # Hold all sockets open until every port is chosen so two servers never get the same one.
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _die_with_parent() -> None:
    # Linux prctl(PR_SET_PDEATHSIG, SIGTERM): if the bench is killed outright, its servers
    # do not linger. Best effort; elsewhere the finally-blocks still stop them.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class Server:
    name: str
    factory: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    _stderr: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "--factory", self.factory,
                "--app-dir", str(ROOT), "--port", str(self.port), *UVICORN_FLAGS]

    def start(self) -> None:
        # stderr to a file, not a pipe: a chatty server must never block on a full pipe.
        self._stderr = tempfile.TemporaryFile(prefix=f"bench-{self.name}-")
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=self._stderr, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # Own session: a terminal Ctrl-C reaches only the bench, which then shuts the
            # servers down in order instead of racing them.
            start_new_session=True, preexec_fn=_die_with_parent)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """uvicorn binds only after lifespan startup completed, so an accepted connection
        means the app is built and ready."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(f"{self.name} server exited with code {self.proc.returncode} "
                                   f"before accepting connections.\n"
                                   f"command: {' '.join(self.command())}\n"
                                   f"--- its output ---\n{self.output() or '(none)'}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.2):
                return
            time.sleep(0.05)
        raise ServerFailed(f"{self.name} server did not accept connections within {timeout:.0f} s"
                           f"\n--- its output ---\n{self.output() or '(none)'}")

    def output(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def runtime(self) -> str:
        """What uvicorn picked for 'auto', as the app reported it."""
        for line in self.output().splitlines():
            if line.startswith(RUNTIME_MARK):
                return line[len(RUNTIME_MARK):].strip()
        return "not reported"

    def complaints(self) -> str:
        """Everything the server logged besides our marker: warnings, tracebacks."""
        return "\n".join(line for line in self.output().splitlines()
                         if not line.startswith(RUNTIME_MARK))

    def _status(self) -> dict[str, str]:
        with open(f"/proc/{self.pid}/status") as f:
            return dict(line.split(":", 1) for line in f if ":" in line)

    def rss_mib(self, key: str = "VmHWM") -> float | None:
        """VmHWM is the peak resident set since start; VmRSS the current one."""
        with contextlib.suppress(OSError, KeyError, ValueError):
            return int(self._status()[key].split()[0]) / 1024  # reported in kB
        return None

    def cpu_seconds(self) -> float:
        # /proc/<pid>/stat fields 14 and 15: user and system time in clock ticks. The command
        # name (field 2) may hold spaces, so split after its closing parenthesis.
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGINT is uvicorn's graceful exit (lifespan shutdown runs); escalate if ignored."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 3.0),
                              (signal.SIGKILL, 3.0)):
                with contextlib.suppress(ProcessLookupError):
                    self.proc.send_signal(sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(wait)
                    break
        return self.proc.returncode

    def close(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
