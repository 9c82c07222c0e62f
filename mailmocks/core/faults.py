"""Faults a user injects to see how their integration copes: latency, forced answers."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .http import Reply


@dataclass(slots=True)
class Fault:
    id: int
    api: str | None = None  # None: any API
    operation: str | None = None  # None: any operation
    status: int | None = None  # force this status (with `body`) instead of the handler
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0  # seconds to wait before answering
    times: int | None = None  # how many requests it applies to; None: until removed
    drop: bool = False  # close the connection without answering (after any latency)

    def matches(self, api: str, operation: str) -> bool:
        return (self.api in (None, api)) and (self.operation in (None, operation))

    def reply(self) -> Reply | None:
        if self.status is None:
            return None
        if isinstance(self.body, str):
            return Reply(self.status, self.body, dict(self.headers), "text/plain; charset=utf-8")
        return Reply(self.status, self.body, dict(self.headers))

    def describe(self) -> str:
        """One line for the journal and the request log: which fault, doing what."""
        parts = [f"fault {self.id}"]
        if self.status is not None:
            parts.append(f"answered {self.status}")
        if self.latency:
            parts.append(f"delayed {self.latency:g}s")
        if self.drop:
            parts.append("dropped the connection")
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, **spec: Any) -> Fault:
        fault = Fault(next(self._ids), **spec)
        self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) != before

    def clear(self) -> None:
        self._faults.clear()

    def list(self) -> list[Fault]:
        return list(self._faults)

    def take(self, api: str, operation: str) -> Fault | None:
        """The first fault for this call, counting it down."""
        if not self._faults:  # the common case costs one check
            return None
        for fault in self._faults:
            if fault.matches(api, operation):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.remove(fault.id)
                return fault
        return None
