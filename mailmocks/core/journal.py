"""A bounded record of every request served and every delivery made, secrets redacted."""
from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

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

    def as_dict(self, redact: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        body = out["response_body"]
        if isinstance(body, bytes):
            try:  # stored as sent (clipped); parsed only when someone reads it
                out["response_body"] = orjson.loads(body)
            except orjson.JSONDecodeError:
                out["response_body"] = body.decode("utf-8", "replace")
        if redact is not None:
            for key in ("query", "request_body", "response_body"):
                out[key] = redact(out[key])
        return out


class Journal:
    def __init__(self, maxlen: int = 2000, secrets: Iterable[str] = DEFAULT_SECRETS) -> None:
        self._entries: deque[Entry] = deque(maxlen=maxlen)
        self._ids = itertools.count(1)
        self.secrets = frozenset(s.lower() for s in secrets)

    def start(self, kind: str, api: str, at: float, **fields: Any) -> Entry:
        # Bodies are kept by reference and redacted when read (`as_dict`, `entries`), so the
        # hot path never copies them.
        entry = Entry(next(self._ids), kind, api, at, **fields)
        self._entries.append(entry)
        return entry

    def finish(self, entry: Entry, status: int | None, body: Any, duration_ms: float,
               note: str | None = None) -> None:
        entry.status = status
        entry.response_body = _clip(body)
        entry.duration_ms = round(duration_ms, 3)
        entry.note = note

    def entries(self, api: str | None = None, kind: str | None = None) -> list[Entry]:
        return [e for e in self._entries
                if (api is None or e.api == api) and (kind is None or e.kind == kind)]

    def records(self, api: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """The entries as plain dicts, secrets redacted: what the admin API and UI show."""
        return [e.as_dict(self.redact) for e in self.entries(api, kind)]

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
    """Keep at most `limit` bytes/characters of a body: the journal stays small."""
    if isinstance(body, bytes) and len(body) > limit:
        return body[:limit] + b"..."
    if isinstance(body, str) and len(body) > limit:
        return body[:limit] + "..."
    return body
