"""Every message a vendor would have sent, already rendered, with its delivery history."""
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
    def __init__(self, clock: Clock, maxlen: int = 50_000) -> None:
        self.clock = clock
        self._messages: dict[int, Message] = {}
        self._ids = itertools.count(1)
        self._maxlen = maxlen

    def add(self, *, api: str, channel: str, to: str, sender: str = "", subject: str = "",
            html: str = "", text: str = "", template: str = "",
            data: dict[str, Any] | None = None, kind: str = "",
            tenant: str | int | None = None, status: str = "sent",
            meta: dict[str, Any] | None = None) -> Message:
        msg = Message(next(self._ids), api, channel, to, sender, subject, html, text, template,
                      dict(data or {}), kind, tenant, dict(meta or {}))
        self.mark(msg, status)
        self._messages[msg.id] = msg
        if len(self._messages) > self._maxlen:  # bounded: drop the oldest
            del self._messages[next(iter(self._messages))]
        return msg

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

    def __len__(self) -> int:
        return len(self._messages)
