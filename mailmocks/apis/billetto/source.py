"""One sandbox's Billetto: its signing secret, its registered webhook targets, the events it
has emitted, and `emit`, which sends one event, signed, through the core webhooks.

The sandbox fakes Billetto's webhooks only, not its REST API (docs/vendors/billetto.md D-1).
Whatever API carries the source (HighLevel) keeps one per world, so a reset forgets targets
and events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...core import Delivery, Services
from .payloads import Payloads
from .signing import SIGNATURE_HEADER, sign

USER_AGENT = "Billetto-Webhooks/1.0"
JOURNAL_NAME = "billetto"  # deliveries are journaled under this api name


@dataclass(slots=True)
class Target:
    """A registered webhook receiver and the secret its deliveries are signed with."""

    id: int
    url: str
    secret: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "secret": self.secret}


@dataclass(slots=True)
class Source:
    secret: str
    seed: int = 0
    targets: dict[int, Target] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)  # emitted, by Billetto id

    def add_target(self, url: str, secret: str | None = None) -> Target:
        tid = max(self.targets, default=0) + 1
        target = self.targets[tid] = Target(tid, url, secret or self.secret)
        return target


def emit(source: Source, services: Services, action: str, *, url: str | None = None,
         secret: str | None = None, data: dict[str, Any] | None = None) -> list[Delivery]:
    """Build one Billetto event and send it, signed, to `url` or every registered target.

    Deliveries are core webhook jobs (drained in tests, run by the ticker when served); each
    attempt and the target's answer is journaled under the api name `billetto`.
    """
    targets = ([Target(0, url, secret or source.secret)] if url
               else list(source.targets.values()))
    if not targets:
        raise ValueError("no target: pass a url or register one at /_sandbox/billetto/targets")
    sent_before = len(services.webhooks.deliveries(JOURNAL_NAME))
    payload = Payloads(source.events, source.seed + sent_before).build(
        action, services.clock.now(), data)
    out = []
    for target in targets:
        def signer(body: bytes, key: str = target.secret) -> dict[str, str]:
            return {SIGNATURE_HEADER: sign(body, key, int(services.clock.now()))}
        out.append(services.webhooks.send(api=JOURNAL_NAME, event=action, url=target.url,
                                          payload=payload, sign=signer,
                                          headers={"user-agent": USER_AGENT}))
    return out
