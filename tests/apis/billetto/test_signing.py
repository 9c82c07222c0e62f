"""Billetto's webhook signature (mailmocks/apis/billetto/signing.py), as a receiver checks it:
`Billetto-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, stale timestamps
refused (docs/vendors/billetto.md §6, D-3). Public as `mailmocks.billetto`."""
from __future__ import annotations

import re

import pytest

from mailmocks import billetto


def test_sign_and_verify_round_trip() -> None:
    body = b'{"action":"event.published","data":{"id":1}}'
    header = billetto.sign(body, "whsec_x", 1_700_000_000)
    assert re.fullmatch(r"t=1700000000,v1=[0-9a-f]{64}", header)
    assert billetto.verify(body, header, "whsec_x", now=1_700_000_100) == 1_700_000_000
    for tampered, secret, now in ((body + b" ", "whsec_x", 1_700_000_000),
                                  (body, "whsec_y", 1_700_000_000),
                                  (body, "whsec_x", 1_700_000_301)):
        assert not billetto.is_valid(tampered, header, secret, now=now)
    with pytest.raises(billetto.SignatureError, match="missing"):
        billetto.verify(body, None, "whsec_x")
    with pytest.raises(billetto.SignatureError, match="timestamp"):
        billetto.verify(body, "v1=abc", "whsec_x")
    rotated = f"{header},v1={'0' * 64}"
    assert billetto.is_valid(body, rotated, "whsec_x", now=1_700_000_000)


def test_the_public_module_is_the_package() -> None:
    from mailmocks.apis import billetto as package
    for name in ("verify", "sign", "is_valid", "SignatureError", "ACTIONS", "SIGNATURE_HEADER",
                 "TOLERANCE", "emit_direct"):
        assert getattr(billetto, name) is getattr(package, name)
    assert billetto.SIGNATURE_HEADER == "Billetto-Signature" and billetto.TOLERANCE == 300
