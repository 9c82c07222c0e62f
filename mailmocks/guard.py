"""Who may drive the sandbox's controls (`/_admin`, `/<api>/_sandbox/...`).

Vendor API routes keep the vendor's own behaviour; the control surface changes state only for
the sandbox's own pages and tools. A state-changing request is refused when

- another site sent it (`Sec-Fetch-Site` cross-site/same-site, or an `Origin` that is not the
  sandbox's own), so a web page a developer visits cannot drive it;
- it names a host the sandbox does not answer to (DNS rebinding);
- it came from the sandbox itself (a webhook pointed at `/_admin/reset`);
- it is a POST, PUT or PATCH whose body is not declared JSON: a plain HTML form (text/plain,
  urlencoded, multipart) can be posted cross-site without a preflight, `Content-Type:
  application/json` cannot. (A browser never sends DELETE cross-site without a preflight,
  which the sandbox does not grant, so `curl -X DELETE` needs no header.)
"""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import Scope

from .core.webhooks import OUTBOUND_HEADER  # on every request the fakes send themselves

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "mailmocks.test"})


def is_control_path(path: str) -> bool:
    head, _, rest = path[1:].partition("/")
    return head == "_admin" or rest.startswith("_sandbox/") or rest == "_sandbox"


def _hostname(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.split(":", 1)[0].lower()


def refusal(scope: Scope, hosts: frozenset[str] | None) -> tuple[int, str] | None:
    """Why this control request is refused (status, reason), or None when it may proceed.

    `hosts` are the host names the sandbox answers to; None accepts any (--allow-remote).
    """
    headers = Headers(scope=scope)
    method = scope.get("method", "GET")
    host = headers.get("host", "")
    if hosts is not None and host and _hostname(host) not in hosts:
        return 403, f"host {host!r} is not this sandbox (serve with --allow-remote to accept it)"
    if method in SAFE_METHODS:
        return None
    if headers.get(OUTBOUND_HEADER) is not None:
        return 403, "a request the sandbox sent itself may not drive its controls"
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return 403, f"cross-site request refused (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
        return 403, f"cross-origin request refused (Origin: {origin})"
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if method != "DELETE" and media != "application/json":
        return 415, "control requests need Content-Type: application/json"
    return None
