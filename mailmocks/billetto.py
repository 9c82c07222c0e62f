"""Billetto webhooks for your receiver and your shell: verify, sign, emit.

    from mailmocks import billetto
    billetto.verify(raw_body, request.headers["Billetto-Signature"], secret)  # raises if forged

`mailmocks billetto emit ACTION --url URL` asks a running sandbox to send one event (journaled
there), or with `--direct` builds, signs and posts it from this process; `emit_via_sandbox`
and `emit_direct` do the same from Python. The code lives in `mailmocks.apis.billetto`; this
module is its public face.
"""
from __future__ import annotations

from typing import Any

from .apis import billetto as _billetto
from .apis.billetto import (
    ACTIONS,
    SIGNATURE_HEADER,
    TOLERANCE,
    SignatureError,
    emit_direct,
    is_valid,
    sign,
    verify,
)

__all__ = ["ACTIONS", "SIGNATURE_HEADER", "TOLERANCE", "SignatureError", "emit_direct",
           "emit_via_sandbox", "is_valid", "sign", "verify"]

CARRIER = "highlevel"  # the API whose sandbox serves Billetto's routes


def emit_via_sandbox(sandbox: str, action: str, url: str | None = None, *,
                     secret: str | None = None, data: dict[str, Any] | None = None,
                     wait: float = 10.0) -> dict[str, Any]:
    """POST to a running sandbox's emitter, then wait (up to `wait` s) for the delivery."""
    return _billetto.emit_via_sandbox(sandbox, action, url, carrier=CARRIER, secret=secret,
                                      data=data, wait=wait)
