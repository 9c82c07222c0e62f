"""What one check run found, per API and per operation: plain data the reports read."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# A run where more than this share of answers were 429 proves little: it fails, saying so.
RATE_LIMITED_SHARE = 0.5
# Checks that judge a 429 itself (its body, headers, status); any other failing on a 429
# says only that the limit was hit.
JUDGES_THE_ANSWER = frozenset({"response_schema_conformance", "content_type_conformance",
                               "response_headers_conformance", "status_code_conformance"})


@dataclass
class CheckCount:
    passed: int = 0
    failed: int = 0


@dataclass
class OperationResult:
    label: str  # "GET /v3/tags", as schemathesis names it
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    checks: dict[str, CheckCount] = field(default_factory=dict)
    waited: int = 0  # 429 answers waited out (not counted in statuses)

    @property
    def exercised(self) -> bool:
        """Answered at least once with something other than 429 (a rate limit is no test;
        an operation the run never called is no test either)."""
        return any(status != 429 for status in self.statuses)

    @property
    def failed(self) -> bool:
        return any(c.failed for c in self.checks.values())

    def check(self, name: str) -> CheckCount:
        return self.checks.setdefault(name, CheckCount())


@dataclass
class Finding:
    """One distinct failure, reported once, with the request that reproduces it."""

    operation: str
    check: str
    title: str
    message: str
    curl: str
    phase: str


@dataclass
class ApiResult:
    api: str
    target: str  # fake | served | remote
    base_url: str
    read_only: bool
    operations: dict[str, OperationResult] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the run could not do something
    waited: int = 0
    waited_seconds: float = 0.0
    seconds: float = 0.0
    limited_failures: int = 0  # checks failed on a 429 answer (a limit, not a finding)
    seed: int | None = None

    def operation(self, label: str) -> OperationResult:
        if label not in self.operations:
            self.operations[label] = OperationResult(label)
        return self.operations[label]

    @property
    def requests(self) -> int:
        return sum(op.requests for op in self.operations.values())

    @property
    def rate_limited(self) -> int:
        return sum(op.statuses.get(429, 0) for op in self.operations.values())

    @property
    def unexercised(self) -> list[str]:
        return [label for label, op in self.operations.items() if not op.exercised]

    @property
    def mostly_rate_limited(self) -> bool:
        return self.requests > 0 and self.rate_limited / self.requests > RATE_LIMITED_SHARE

    @property
    def rate_limit_hurt(self) -> bool:
        """The limit kept the run from testing: most answers 429, an operation that never
        got past it, or checks that failed only because the answer was a 429."""
        return self.rate_limited > 0 and (self.mostly_rate_limited or bool(self.unexercised)
                                          or self.limited_failures > 0)

    @property
    def nothing_accepted(self) -> bool:
        """Not one 2xx answer: every request was refused, most likely its credentials (a
        vendor's 401 is a documented answer, so checks alone would pass such a run)."""
        return self.requests > 0 and not any(200 <= status < 300 for op in self.operations.values()
                                             for status in op.statuses)

    @property
    def passed(self) -> bool:
        return not (self.findings or self.errors or self.unexercised or self.rate_limit_hurt
                    or self.nothing_accepted or not self.operations)

    def verdicts(self) -> list[str]:
        """Why the run failed, beyond its findings, one sentence each."""
        out = []
        if not self.operations and not self.errors:
            out.append("no operation was selected")
        if self.rate_limit_hurt:
            out.append(f"{self.rate_limited} of {self.requests} answers were 429 Too Many "
                       f"Requests ({len(self.unexercised)} operation(s) never answered "
                       f"otherwise, {self.limited_failures} check(s) failed only on a 429): "
                       "the run tested too little. Against a fake, leave the limiter off "
                       "(drop --rate-limit); against a server, pace the run (--rate N/m)")
        if self.nothing_accepted:
            refused = sum(op.statuses.get(401, 0) + op.statuses.get(403, 0)
                          for op in self.operations.values())
            out.append(f"no request got a 2xx answer ({refused} of {self.requests} were "
                       "401/403): are the credentials right?")
        if self.unexercised:
            out.append(f"{len(self.unexercised)} operation(s) never answered, or only with "
                       "429: " + ", ".join(self.unexercised))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "api": self.api, "target": self.target, "base_url": self.base_url,
            "read_only": self.read_only, "seed": str(self.seed), "passed": self.passed,
            "seconds": round(self.seconds, 2),
            "requests": self.requests, "rate_limited": self.rate_limited,
            "waited_429": self.waited, "waited_seconds": round(self.waited_seconds, 1),
            "failed_on_429": self.limited_failures,
            "verdicts": self.verdicts(), "errors": self.errors,
            "operations": [
                {"operation": op.label, "requests": op.requests, "exercised": op.exercised,
                 "statuses": {str(k): v for k, v in sorted(op.statuses.items())},
                 "checks": {n: {"passed": c.passed, "failed": c.failed}
                            for n, c in sorted(op.checks.items())}}
                for op in self.operations.values()],
            "failures": [vars(f) for f in self.findings],
        }
