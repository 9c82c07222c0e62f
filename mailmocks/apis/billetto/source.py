"""One sandbox's Billetto: its signing secret, its registered webhook targets, the events it
has emitted, and `emit`, which sends one event, signed, through the core webhooks.

The sandbox fakes Billetto's webhooks only, not its REST API (docs/vendors/billetto.md D-1).
Whatever API carries the source (HighLevel) keeps one per world, so a reset forgets targets
and events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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

    def add_target(self, url: Any, secret: Any = None) -> Target:
        """Register a receiver; a bad url or secret is a ValueError, and nothing is kept."""
        target = Target(max(self.targets, default=0) + 1, checked_url(url),
                        checked_secret(secret) or self.secret)
        self.targets[target.id] = target
        return target


def checked_url(url: Any) -> str:
    """An http(s) URL with a host, as a string (a ValueError otherwise)."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an http or https URL")
    return str(url)


def checked_secret(secret: Any) -> str | None:
    """None (use the sandbox's) or a non-empty string: it keys an HMAC."""
    if secret is None:
        return None
    if not isinstance(secret, str) or not secret:
        raise ValueError("secret must be a non-empty string")
    return secret


def emit(source: Source, services: Services, action: str, *, url: Any = None,
         secret: Any = None, data: Any = None) -> list[Delivery]:
    """Build one Billetto event and send it, signed, to `url` or every registered target.

    Bad input (url, secret, data or its ids) is a ValueError before anything is built or
    kept. Deliveries are core webhook jobs (drained in tests, run by the ticker when served);
    each attempt and the target's answer is journaled under the api name `billetto`.
    """
    key = checked_secret(secret)
    if data is not None and not isinstance(data, dict):
        raise ValueError("data must be a JSON object")
    targets = ([Target(0, checked_url(url), key or source.secret)] if url is not None
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
