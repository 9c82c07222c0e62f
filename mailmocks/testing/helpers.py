"""Assertions, typed journal records, faults and time on every mock (`MockServer` mixes this in).

Failure messages show the near misses, so a test says what was sent instead:

    no message to a@example.com; sent: b@example.com 'Welcome'
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core import Clock, Entry, Fault, Faults, Journal, Message, Outbox

# A request that came in under an injected fault is answered as the fault says; the headers
# of a forced 429 tell a well-behaved client when to come back.
RETRY_AFTER = "1"


@dataclass(frozen=True, slots=True)
class Record:
    """One request a fake served, as a test reads it (secrets redacted)."""

    id: int
    operation: str | None
    method: str
    path: str
    status: int | None
    query: dict[str, Any]
    body: Any  # the parsed JSON or form body, None when empty
    response: Any  # the parsed response body
    headers: dict[str, str]
    problems: tuple[dict[str, str], ...]  # every contract problem; () when it conformed
    fault: str | None  # the injected fault that answered or delayed it
    host: str  # the Host it named: a vendor host when intercepted, mailmocks.test otherwise

    @classmethod
    def of(cls, entry: Entry, journal: Journal) -> Record:
        seen = entry.as_dict(journal.redact)
        return cls(entry.id, entry.operation, entry.method, entry.path, entry.status,
                   seen["query"], seen["request_body"], seen["response_body"],
                   seen["request_headers"], tuple(entry.problems), entry.fault,
                   entry.request_headers.get("host", ""))


def moment(at: datetime | float | str | None) -> datetime | float | None:
    """A datetime, epoch seconds or an ISO 8601 string (`Z` allowed) as the clock takes it."""
    if isinstance(at, str):
        return datetime.fromisoformat(at.replace("Z", "+00:00"))
    return at


def _describe(msg: Message) -> str:
    return f"{msg.to} {msg.subject!r}" + (f" ({msg.kind})" if msg.kind else "")


class Helpers:
    """What every mock offers a test beyond the raw services; needs `name` and services."""

    name: str

    @property
    def journal(self) -> Journal:
        raise NotImplementedError

    @property
    def outbox(self) -> Outbox:
        raise NotImplementedError

    @property
    def faults(self) -> Faults:
        raise NotImplementedError

    @property
    def clock(self) -> Clock:
        raise NotImplementedError

    # -- the journal -----------------------------------------------------------------------
    def calls(self, operation: str | None = None) -> list[Record]:
        """The requests this API served (of one operationId, if given), oldest first."""
        journal = self.journal
        return [Record.of(e, journal) for e in journal.entries(self.name, kind="request")
                if operation is None or e.operation == operation]

    def assert_called(self, operation: str, times: int | None = None) -> list[Record]:
        """At least once (or exactly `times`); returns the matching calls."""
        found = self.calls(operation)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        want = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        counts = Counter(e.operation or f"{e.method} {e.path}"
                         for e in self.journal.entries(self.name, kind="request"))
        seen = ", ".join(f"{op} x{n}" for op, n in counts.items()) or "nothing"
        raise AssertionError(f"{self.name} {operation} was called {len(found)} "
                             f"time{'s' if len(found) != 1 else ''}, expected {want}; "
                             f"called: {seen}")

    def assert_not_called(self, operation: str) -> None:
        self.assert_called(operation, times=0)

    # -- the outbox ------------------------------------------------------------------------
    def sent(self, *, to: str | None = None, subject: str | None = None,
             kind: str | None = None, channel: str | None = None) -> list[Message]:
        """Messages this API would have sent, oldest first (`subject`: exact match)."""
        return [m for m in self.outbox.messages(self.name, to=to, kind=kind, channel=channel)
                if subject is None or m.subject == subject]

    def assert_sent(self, *, to: str | None = None, subject: str | None = None,
                    kind: str | None = None, channel: str | None = None) -> Message:
        """The newest message matching every given field, or an AssertionError listing what
        was sent instead."""
        found = self.sent(to=to, subject=subject, kind=kind, channel=channel)
        if found:
            return found[-1]
        wanted = " ".join(filter(None, [
            f"to {to}" if to is not None else "", f"{subject!r}" if subject is not None else "",
            f"of kind {kind!r}" if kind is not None else "",
            f"on {channel}" if channel is not None else ""]))
        everything = self.outbox.messages(self.name)
        sent = "; ".join(_describe(m) for m in everything[-10:]) or "nothing"
        what = f"no {self.name} message" + (f" {wanted}" if wanted else "")
        raise AssertionError(f"{what}; sent: {sent}")

    def assert_not_sent(self, *, to: str | None = None, subject: str | None = None,
                        kind: str | None = None) -> None:
        found = self.sent(to=to, subject=subject, kind=kind)
        if found:
            raise AssertionError(f"{self.name} sent what it should not: "
                                 + "; ".join(_describe(m) for m in found))

    # -- faults ----------------------------------------------------------------------------
    def fail_next(self, operation: str | None = None, status: int = 500, times: int = 1,
                  body: Any = None, headers: dict[str, str] | None = None) -> Fault:
        """The next `times` calls (of `operation`, or any) answer `status` instead."""
        return self.faults.add(api=self.name, operation=operation, status=status, times=times,
                               body=body, headers=dict(headers or {}))

    def rate_limit_next(self, n: int = 1, operation: str | None = None,
                        retry_after: str = RETRY_AFTER) -> Fault:
        """The next `n` calls answer 429 with Retry-After (the fake's real windows still
        apply to every other call)."""
        return self.fail_next(operation, 429, n, headers={"Retry-After": retry_after})

    def latency(self, seconds: float, operation: str | None = None,
                times: int | None = None) -> Fault:
        """Delay calls (`times` of them, or until removed) by `seconds` before answering."""
        return self.faults.add(api=self.name, operation=operation, latency=seconds,
                               times=times)

    def clear_faults(self) -> None:
        for fault in self.faults.list():
            if fault.api == self.name:
                self.faults.remove(fault.id)

    # -- time ------------------------------------------------------------------------------
    def freeze_time(self, at: datetime | float | str | None = None) -> None:
        """Stop the sandbox's clock (at `at`: a datetime, epoch seconds or ISO 8601)."""
        self.clock.freeze(moment(at))
