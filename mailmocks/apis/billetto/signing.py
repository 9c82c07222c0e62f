"""Billetto's webhook signature: `Billetto-Signature: t=<unix seconds>,v1=<hex>`.

The `v1` value is the HMAC-SHA256 of `"<t>.<raw body>"` under the webhook's secret, and a
receiver refuses timestamps older than about 300 s (docs/vendors/billetto.md §6, D-3).
`sign`/`verify` need nothing but the standard library, so a user's receiver can reuse them
(`from mailmocks import billetto; billetto.verify(...)`). Left alone, they read the real
time: they run in the receiver's process, not on the sandbox clock (the sandbox passes its
clock's time to `sign`).
"""
from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

SIGNATURE_HEADER = "Billetto-Signature"
TOLERANCE = 300  # seconds


class SignatureError(ValueError):
    """The Billetto-Signature header is missing, malformed, stale or does not match."""


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Billetto-Signature` header value for `body`."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(body: bytes, header: str | None, secret: str, *, tolerance: float = TOLERANCE,
           now: float | None = None) -> int:
    """Check a delivery; returns its timestamp or raises `SignatureError`.

    `body` must be the raw bytes received (not re-serialised JSON). Any of several `v1=`
    values may match (several are sent while a secret is rotated).
    """
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("no timestamp in the signature header") from None
    if not parts.get("v1"):
        raise SignatureError("no v1 signature in the signature header")
    current = time.time() if now is None else now
    if tolerance and abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = sign(body, secret, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in parts["v1"]):
        raise SignatureError("signature does not match")
    return timestamp


def is_valid(body: bytes, header: str | None, secret: str, **options: Any) -> bool:
    try:
        verify(body, header, secret, **options)
    except SignatureError:
        return False
    return True
