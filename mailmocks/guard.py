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
- it carries the inspector's session cookie but not that session's token: the inspector's
  pages send the token they were rendered with (a per-session CSRF token) on every change,
  so nothing but those pages can act in a browser session of the inspector. Tools without
  the cookie (curl, the test helpers) need no token.
"""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import Scope

from .core.webhooks import OUTBOUND_HEADER  # on every request the fakes send themselves

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "mailmocks.test"})
SESSION_COOKIE = "mailmocks_session"
TOKEN_HEADER = "x-mailmocks-token"


def session_token(secret: bytes, session: str) -> str:
    """The CSRF token of one inspector session: only the sandbox (holding `secret`) makes it."""
    return hmac.new(secret, session.encode(), hashlib.sha256).hexdigest()[:40]


def is_control_path(path: str) -> bool:
    head, _, rest = path[1:].partition("/")
    return head == "_admin" or rest.startswith("_sandbox/") or rest == "_sandbox"


def hostname(netloc: str) -> str:
    """The host of a Host header or netloc, lower-cased, without port or userinfo."""
    host = netloc.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.split(":", 1)[0].lower()


def refusal(scope: Scope, hosts: frozenset[str] | None,
            secret: bytes | None = None) -> tuple[int, str] | None:
    """Why this control request is refused (status, reason), or None when it may proceed.

    `hosts` are the host names the sandbox answers to; None accepts any (--allow-remote).
    `secret` signs the inspector's session tokens (None: no session check).
    """
    headers = Headers(scope=scope)
    method = scope.get("method", "GET")
    host = headers.get("host", "")
    if hosts is not None and host and hostname(host) not in hosts:
        return 403, f"host {host!r} is not this sandbox (serve with --allow-remote to accept it)"
    if method not in STATE_CHANGING:  # reads, and methods no control route takes (405)
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
    if secret is not None:
        session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        if session and not hmac.compare_digest(headers.get(TOKEN_HEADER, ""),
                                               session_token(secret, session)):
            return 403, f"an inspector session must send its token ({TOKEN_HEADER})"
    return None
