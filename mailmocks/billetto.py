"""Billetto webhooks for your receiver and your shell: verify, sign, emit.

    from mailmocks.billetto import verify, SignatureError
    verify(raw_body, request.headers["Billetto-Signature"], secret)   # raises if not genuine

`mailmocks billetto emit ACTION --url URL` asks a running sandbox to send one event (journaled
there), or with `--direct` builds, signs and posts it from this process.
"""
from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from .apis.highlevel.billetto import (
    ACTIONS,
    SIGNATURE_HEADER,
    TOLERANCE,
    USER_AGENT,
    Payloads,
    SignatureError,
    is_valid,
    sign,
    verify,
)

__all__ = ["ACTIONS", "SIGNATURE_HEADER", "TOLERANCE", "SignatureError", "emit_direct",
           "emit_via_sandbox", "is_valid", "sign", "verify"]


def emit_via_sandbox(sandbox: str, action: str, url: str | None = None, *,
                     secret: str | None = None, data: dict[str, Any] | None = None,
                     wait: float = 10.0) -> dict[str, Any]:
    """POST to a running sandbox's emitter, then wait (up to `wait` s) for the delivery."""
    base = sandbox.rstrip("/") + "/highlevel/_sandbox/billetto"
    spec = {k: v for k, v in {"action": action, "url": url, "secret": secret,
                              "data": data}.items() if v is not None}
    with httpx.Client(trust_env=False, timeout=10) as http:
        answer = http.post(f"{base}/emit", json=spec)
        if answer.status_code != 202:
            raise RuntimeError(f"sandbox refused: {answer.status_code} {answer.text}")
        result: dict[str, Any] = answer.json()
        deadline = time.monotonic() + wait
        for i, d in enumerate(result["deliveries"]):
            while d["state"] == "pending" and time.monotonic() < deadline:
                time.sleep(0.05)
                d = http.get(f"{base}/deliveries/{d['id']}").json()
            result["deliveries"][i] = d
    return result


def emit_direct(action: str, url: str, secret: str, *, data: dict[str, Any] | None = None,
                seed: int = 0) -> dict[str, Any]:
    """Build, sign and POST one event from this process (no sandbox, no journal)."""
    now = time.time()
    payload = Payloads({}, seed).build(action, now, data)
    body = orjson.dumps(payload)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               SIGNATURE_HEADER: sign(body, secret, int(now))}
    with httpx.Client(trust_env=False, timeout=10) as http:
        answer = http.post(url, content=body, headers=headers)
    return {"payload": payload, "status": answer.status_code, "response": answer.text[:2000]}
