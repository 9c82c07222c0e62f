"""How much CPU can really run in parallel here.

The load generator and the server share the machine. If two busy processes each get only half
a core (a VM whose vCPUs are hyperthreads of one core, a CPU quota), every cycle the client
spends is taken from the server, and the fastest server is held back most. Two 0.4 s spinners
tell which case this is, for the reader of the numbers.
"""
from __future__ import annotations

import subprocess
import sys

_SPIN = ("import time\n"
         "t = time.monotonic(); c = time.process_time()\n"
         "while time.monotonic() - t < 0.4: pass\n"
         "print((time.process_time() - c) / (time.monotonic() - t))\n")


def parallel_capacity() -> float | None:
    """Cores' worth of CPU two concurrent busy processes got together (ideal: 2.0)."""
    try:
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        return sum(float(p.communicate(timeout=10)[0]) for p in procs)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
