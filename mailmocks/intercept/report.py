"""Contract violations of the requests a test sent, and the report that fails it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ..core import Entry, Journal

OPT_OUT = ("Fix the request, or mark the test @pytest.mark.mailmocks("
           "allow_contract_violations=True) if it sends it on purpose.")


class ContractViolations(AssertionError):
    """Requests the code under test sent that the real vendor would reject."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__(format_report(violations))


@dataclass(frozen=True, slots=True)
class Violation:
    """One request that broke its API's contract, with every problem it had."""

    api: str
    operation: str | None  # None: no operation of the contract has this method and path
    method: str
    path: str
    status: int | None
    problems: tuple[dict[str, str], ...]
    query: dict[str, Any] = field(default_factory=dict)  # redacted
    body: Any = None  # redacted

    @classmethod
    def from_entry(cls, entry: Entry, journal: Journal,
                   problems: tuple[dict[str, str], ...] | None = None) -> Violation:
        seen = entry.as_dict(journal.redact)
        return cls(entry.api, entry.operation, entry.method, entry.path, entry.status,
                   tuple(entry.problems) if problems is None else problems, seen["query"],
                   seen["request_body"])

    def lines(self) -> list[str]:
        what = self.operation or "(no operation)"
        status = f" -> {self.status}" if self.status is not None else ""
        out = [f"{self.api} {what}: {self.method} {self.path}{status}"]
        for p in self.problems:
            keyword = f" [{p['keyword']}]" if p.get("keyword") else ""
            out.append(f"  {json_path(p['location'], p['field'])}: {p['message']}{keyword}")
        if self.query:
            out.append(f"  query: {_dump(self.query)}")
        if self.body is not None:
            out.append(f"  body:  {_dump(self.body)}")
        return out


def json_path(location: str, dotted: str) -> str:
    """`body`, `first_name` -> `body $.first_name`; list indices as [n]."""
    if location != "body":
        return f"{location} {dotted}" if dotted else location
    path = "$"
    for part in filter(None, dotted.split(".")):
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return f"body {path}"


def _dump(value: Any, limit: int = 600) -> str:
    text = (orjson.dumps(value, default=str).decode() if not isinstance(value, str)
            else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_report(violations: list[Violation]) -> str:
    n = len(violations)
    head = (f"mailmocks: {n} request{'s' if n != 1 else ''} broke the vendor contract "
            f"(the real API would reject {'them' if n != 1 else 'it'}):")
    body = [line for v in violations for line in ["", *v.lines()]]
    return "\n".join([head, *body, "", OPT_OUT])


class ContractViolationWarning(UserWarning):
    """The report of `ContractViolations`, as a warning (--mailmocks-violations=warn)."""
