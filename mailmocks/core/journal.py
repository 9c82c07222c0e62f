"""A bounded record of every request served and every delivery made, secrets redacted.

Bounded twice: at most `maxlen` entries and at most `max_bytes` of bodies in all, each body
clipped to `body_bytes` (the clipped part marked). Bodies are kept as the bytes that crossed
the wire, so the hot path never copies or walks a parsed body; they are parsed and redacted
only when somebody reads the journal. Webhook threads append while the event loop reads, so
every access holds one lock.
"""
from __future__ import annotations

import itertools
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

REDACTED = "[redacted]"
# Names whose values never enter the journal, whatever the vendor.
DEFAULT_SECRETS = frozenset({"api_key", "api_secret", "authorization", "token", "password",
                             "secret", "x-api-key", "apikey"})
BODY_BYTES = 16 << 10  # per body, request and response each
MAX_BYTES = 32 << 20  # all bodies of all entries
CLIP_MARK = "…[clipped]"
_ENTRY_OVERHEAD = 512  # what an entry costs beside its bodies, roughly


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
    request_body: Any = None  # bytes as received (clipped), or a value a service recorded
    status: int | None = None
    response_body: Any = None
    duration_ms: float | None = None
    note: str | None = None
    request_media: str = ""  # the request's content type, to parse its bytes when read
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    # every way the request broke the contract (all of them, not only the one the vendor named):
    # {"location", "field", "keyword", "message"}; empty when it conformed
    problems: list[dict[str, str]] = field(default_factory=list)
    fault: str | None = None  # the injected fault that answered or delayed it, described
    clipped: bool = False  # a body was longer than the journal keeps
    size: int = 0  # bytes this entry counts against the journal's budget

    def as_dict(self, redact: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__ if k not in ("size", "request_media")}
        out["request_body"] = _readable(self.request_body, self.request_media)
        out["response_body"] = _readable(self.response_body, "application/json")
        if redact is not None:
            for key in ("query", "request_headers", "response_headers", "request_body",
                        "response_body"):
                out[key] = redact(out[key])
        return out


def _readable(body: Any, media: str) -> Any:
    """Stored bytes as the JSON, form or text they were; clipped bytes as marked text."""
    if not isinstance(body, bytes):
        return body
    clipped = body.endswith(CLIP_MARK.encode())
    if not clipped:
        if "form-urlencoded" in media:
            try:
                return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                pass
        else:
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass
    return body.decode("utf-8", "replace")


def clip(body: bytes, limit: int = BODY_BYTES) -> bytes:
    """At most `limit` bytes of `body`, marked when cut."""
    if len(body) <= limit:
        return body
    return body[:limit] + CLIP_MARK.encode()


class Journal:
    def __init__(self, maxlen: int = 2000, secrets: Iterable[str] = DEFAULT_SECRETS, *,
                 body_bytes: int = BODY_BYTES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: deque[Entry] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.maxlen = maxlen
        self.body_bytes = body_bytes
        self.max_bytes = max_bytes
        self.bytes = 0  # what the kept entries hold, by the budget's count
        self.secrets = frozenset(s.lower() for s in secrets)
        # called with each entry once finished, on the thread that finished it (the request
        # log of `mailmocks serve`); a listener must not raise
        self.listeners: list[Callable[[Entry], None]] = []
        names = "|".join(re.escape(s) for s in sorted(self.secrets))
        # secrets inside clipped text, where no parser can find them: "name": "value" or name=v
        self._secret_text = re.compile(
            rf'(?i)("(?:{names})"\s*:\s*)"(?:[^"\\]|\\.)*"?|((?:^|[&?])(?:{names})=)[^&]*')

    def start(self, kind: str, api: str, at: float, **fields: Any) -> Entry:
        body = fields.pop("request_body", None)
        entry = Entry(next(self._ids), kind, api, at, **fields)
        with self._lock:
            self._entries.append(entry)
            self._account(entry, _ENTRY_OVERHEAD)
            while len(self._entries) > self.maxlen:
                self._drop_oldest()
        if body is not None:
            self.set_request(entry, body)
        return entry

    def set_request(self, entry: Entry, body: Any, media: str = "") -> None:
        """Record what the request carried: bytes are clipped, other values serialised."""
        if not isinstance(body, bytes):
            body = orjson.dumps(body, default=str)
        kept = self._clip(entry, body)
        with self._lock:
            entry.request_body, entry.request_media = kept, media
            self._account(entry, len(kept))

    def finish(self, entry: Entry, status: int | None, body: Any, duration_ms: float,
               note: str | None = None) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8", "replace")
        kept = self._clip(entry, body) if isinstance(body, bytes) else body
        with self._lock:
            entry.status = status
            entry.response_body = kept
            entry.duration_ms = round(duration_ms, 3)
            entry.note = note
            if isinstance(kept, bytes):
                self._account(entry, len(kept))
        for listener in self.listeners:
            listener(entry)

    def _clip(self, entry: Entry, body: bytes) -> bytes:
        kept = clip(body, self.body_bytes)
        if kept is not body:
            entry.clipped = True
        return kept

    def _account(self, entry: Entry, n: int) -> None:
        # caller holds the lock; the oldest entries go until the budget holds again
        entry.size += n
        self.bytes += n
        while self.bytes > self.max_bytes and len(self._entries) > 1:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        old = self._entries.popleft()
        self.bytes -= old.size

    def entries(self, api: str | None = None, kind: str | None = None) -> list[Entry]:
        with self._lock:
            kept = list(self._entries)
        return [e for e in kept
                if (api is None or e.api == api) and (kind is None or e.kind == kind)]

    def records(self, api: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """The entries as plain dicts, secrets redacted: what the admin API and UI show."""
        return [e.as_dict(self.redact) for e in self.entries(api, kind)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def redact(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (REDACTED if str(k).lower() in self.secrets else self.redact(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, str):
            return self._secret_text.sub(_redact_match, value)
        return value


def _redact_match(m: re.Match[str]) -> str:
    if m.group(1) is not None:
        return f'{m.group(1)}"{REDACTED}"'
    return f"{m.group(2)}{REDACTED}"
