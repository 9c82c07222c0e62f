"""Billetto, an event-ticketing platform, as an event source: its outgoing webhooks.

Billetto is not an API of the registry (the sandbox fakes none of its REST API,
docs/vendors/billetto.md D-1): it is carried by the API its events feed, HighLevel, which
keeps a `Source` per world and contributes Billetto's pieces through its extension points:
its sandbox routes (`routes`, under /highlevel/_sandbox/billetto/...), its CLI verb
(`add_commands`: `mailmocks billetto emit`) and, for tests, `highlevel_mock.billetto`
(mailmocks/testing/billetto.py). Deliveries go out through the core webhooks, journaled
under the api name `billetto`.

    signing.py   sign / verify (standard library only, reusable in a receiver)
    payloads.py  the actions and their seeded, realistic objects
    source.py    one sandbox's secret, targets and emitted events; emit()
    sandbox.py   the control routes (emit, targets, deliveries)
    cli.py       `mailmocks billetto emit`, through a sandbox or --direct

This package imports only from `mailmocks.core`.
"""
from __future__ import annotations

from .cli import add_commands, emit_direct, emit_via_sandbox
from .payloads import ACTIONS, Payloads
from .sandbox import routes
from .signing import SIGNATURE_HEADER, TOLERANCE, SignatureError, is_valid, sign, verify
from .source import USER_AGENT, Source, Target, emit

__all__ = ["ACTIONS", "SIGNATURE_HEADER", "TOLERANCE", "USER_AGENT", "Payloads",
           "SignatureError", "Source", "Target", "add_commands", "emit", "emit_direct",
           "emit_via_sandbox", "is_valid", "routes", "sign", "verify"]
