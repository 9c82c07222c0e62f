"""Which host names are faked, which pass through, and what an unmatched request says."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

# Loopback passes by default: live sandboxes, webhook receivers and a test's own servers.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class UnmatchedRequest(AssertionError):
    """A request to a host no fake answers and that is not let through: it never left."""


def parse_hosts(lines: Iterable[str]) -> dict[str, str]:
    """`host=api` lines (ini `mailmocks_hosts`) as {host: api}; a bad line raises ValueError."""
    out: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        host, sep, api = line.partition("=")
        if not sep or not host.strip() or not api.strip():
            raise ValueError(f"mailmocks_hosts: {line!r} is not host=api")
        out[host.strip().lower()] = api.strip()
    return out


def normal(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(h.strip().strip("[]").lower() for h in hosts if h.strip())


def unmatched_message(method: str, url: str, faked: Mapping[str, str],
                      passthrough: Iterable[str]) -> str:
    where = url.split("?", 1)[0]  # the query string may carry a key
    hosts = ", ".join(sorted(faked)) or "none"
    through = ", ".join(sorted(passthrough)) or "none"
    return (f"mailmocks: {method} {where} reached no fake and was not sent: its host is not "
            f"faked (faked: {hosts}; passed through: {through}). Fake it with "
            f"intercept(hosts={{host: api}}) or ini mailmocks_hosts, or let it through with "
            f"passthrough / ini mailmocks_passthrough.")
