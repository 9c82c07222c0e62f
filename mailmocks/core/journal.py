"""A bounded record of every request served and every delivery made, secrets redacted."""
from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

REDACTED = "[redacted]"
# Names whose values never enter the journal, whatever the vendor.
DEFAULT_SECRETS = frozenset({"api_key", "api_secret", "authorization", "token", "password",
                             "secret", "x-api-key", "apikey"})


@dataclass(slots=True)
class Entry:
    id: int
    kind: str  # "request" | "webhook" | "email" ...
    api: str
    at: float
    operation: str | None = None
    method: str = ""
    path: str = ""
    query: dict[str, Any] = field(default_factory=dict)
    request_body: Any = None
    status: int | None = None
    response_body: Any = None
    duration_ms: float | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


class Journal:
    def __init__(self, maxlen: int = 2000, secrets: Iterable[str] = DEFAULT_SECRETS) -> None:
        self._entries: deque[Entry] = deque(maxlen=maxlen)
        self._ids = itertools.count(1)
        self.secrets = frozenset(s.lower() for s in secrets)

    def start(self, kind: str, api: str, at: float, **fields: Any) -> Entry:
        for key in ("query", "request_body"):
            if key in fields:
                fields[key] = self.redact(fields[key])
        entry = Entry(next(self._ids), kind, api, at, **fields)
        self._entries.append(entry)
        return entry

    def finish(self, entry: Entry, status: int | None, body: Any, duration_ms: float,
               note: str | None = None) -> None:
        entry.status = status
        entry.response_body = self.redact(_clip(body))
        entry.duration_ms = round(duration_ms, 3)
        entry.note = note

    def entries(self, api: str | None = None, kind: str | None = None) -> list[Entry]:
        return [e for e in self._entries
                if (api is None or e.api == api) and (kind is None or e.kind == kind)]

    def clear(self) -> None:
        self._entries.clear()

    def redact(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (REDACTED if str(k).lower() in self.secrets else self.redact(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        return value


def _clip(body: Any, limit: int = 4096) -> Any:
    if isinstance(body, (bytes, str)) and len(body) > limit:
        return body[:limit] + (b"..." if isinstance(body, bytes) else "...")
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body
