"""Every message a vendor would have sent, already rendered, with its delivery history.

Bounded: at most `maxlen` messages and `max_bytes` of their text (subject, HTML, text part
and template); the oldest go first.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, iso


@dataclass(slots=True)
class Message:
    id: int
    api: str
    channel: str  # "email" | "sms" | "push" | "viber"
    to: str
    sender: str
    subject: str
    html: str
    text: str
    template: str  # the source the vendor rendered
    data: dict[str, Any]  # the variables it rendered with
    kind: str = ""  # vendor's word: "broadcast", "confirmation", "report", ...
    tenant: str | int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)  # (status, ISO time)

    @property
    def status(self) -> str:
        return self.history[-1][0] if self.history else "queued"

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        out["status"] = self.status
        return out


class Outbox:
    def __init__(self, clock: Clock, maxlen: int = 50_000, max_bytes: int = 256 << 20) -> None:
        self.clock = clock
        self._messages: dict[int, Message] = {}
        self._sizes: dict[int, int] = {}
        self._ids = itertools.count(1)
        self._maxlen = maxlen
        self.max_bytes = max_bytes
        self.bytes = 0

    def add(self, *, api: str, channel: str, to: str, sender: str = "", subject: str = "",
            html: str = "", text: str = "", template: str = "",
            data: dict[str, Any] | None = None, kind: str = "",
            tenant: str | int | None = None, status: str = "sent",
            meta: dict[str, Any] | None = None) -> Message:
        msg = Message(next(self._ids), api, channel, to, sender, subject, html, text, template,
                      dict(data or {}), kind, tenant, dict(meta or {}))
        self.mark(msg, status)
        self._messages[msg.id] = msg
        self._sizes[msg.id] = size = (len(subject) + len(html) + len(text) + len(template)
                                      + len(to) + len(sender) + 256)
        self.bytes += size
        while len(self._messages) > 1 and (len(self._messages) > self._maxlen
                                           or self.bytes > self.max_bytes):
            self._drop(next(iter(self._messages)))  # bounded: the oldest go first
        return msg

    def fill(self, msg: Message, *, subject: str | None = None, html: str | None = None,
             text: str | None = None) -> None:
        """Set what a message rendered to after it was queued, keeping the byte count true."""
        before = len(msg.subject) + len(msg.html) + len(msg.text)
        if subject is not None:
            msg.subject = subject
        if html is not None:
            msg.html = html
        if text is not None:
            msg.text = text
        grown = len(msg.subject) + len(msg.html) + len(msg.text) - before
        if msg.id in self._sizes:
            self._sizes[msg.id] += grown
            self.bytes += grown

    def _drop(self, msg_id: int) -> None:
        del self._messages[msg_id]
        self.bytes -= self._sizes.pop(msg_id, 0)

    def remove(self, msg_id: int) -> bool:
        """Delete one message (the inspector's delete); False when there was none."""
        if msg_id not in self._messages:
            return False
        self._drop(msg_id)
        return True

    def mark(self, msg: Message, status: str) -> None:
        msg.history.append((status, iso(self.clock.now())))

    def get(self, msg_id: int) -> Message | None:
        return self._messages.get(msg_id)

    def messages(self, api: str | None = None, *, to: str | None = None,
                 kind: str | None = None, channel: str | None = None) -> list[Message]:
        return [m for m in self._messages.values()
                if (api is None or m.api == api) and (to is None or m.to.lower() == to.lower())
                and (kind is None or m.kind == kind) and (channel is None or m.channel == channel)]

    def clear(self) -> None:
        self._messages.clear()
        self._sizes.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._messages)
