"""What a person reads: the summary table, each distinct failure once with its curl, verdicts."""
from __future__ import annotations

from collections.abc import Sequence

from .results import ApiResult


def statuses(counts: dict[int, int], width: int = 34) -> str:
    text = " ".join(f"{code}x{n}" for code, n in sorted(counts.items()))
    return text if len(text) <= width else text[: width - 1] + "…"


def summary(result: ApiResult) -> str:
    mode = " read-only" if result.read_only else ""
    waited = (f", {result.waited} 429 waited out ({result.waited_seconds:.0f} s)"
              if result.waited else "")
    lines = [f"\n{result.api} ({result.target}{mode}, {result.base_url}): "
             f"{len(result.operations)} operations, {result.requests} requests in "
             f"{result.seconds:.1f} s{waited} (--seed {result.seed})",
             f"  {'operation':<58} {'requests':>8}  {'statuses':<34} failed checks"]
    for op in sorted(result.operations.values(), key=lambda o: o.label.split(" ", 1)[::-1]):
        failed = ", ".join(f"{name} x{c.failed}" for name, c in sorted(op.checks.items())
                           if c.failed) or ("never answered, or only 429" if not op.exercised
                                            else "-")
        lines.append(f"  {op.label:<58} {op.requests:>8}  {statuses(op.statuses):<34} "
                     f"{failed}")
    return "\n".join(lines)


def findings(result: ApiResult) -> str:
    out = []
    for n, f in enumerate(result.findings, 1):
        body = "\n".join("    " + line for line in f.message.splitlines() if line.strip())
        curl = "\n".join("    " + line for line in f.curl.splitlines())
        out.append(f"\n{n}. {result.api} {f.operation}: {f.title} [{f.check}, {f.phase}]\n"
                   f"{body}\n  Reproduce with:\n{curl}")
    return "\n".join(out)


def verdict(results: Sequence[ApiResult]) -> str:
    lines = []
    for r in results:
        if r.passed:
            lines.append(f"PASSED {r.api}: {len(r.operations)} operations exercised, "
                         f"{r.requests} requests, no failure ({r.seconds:.1f} s)")
            continue
        why = [f"{len(r.findings)} distinct failure(s)"] if r.findings else []
        why += r.verdicts() + [f"error: {e}" for e in r.errors]
        lines.append(f"FAILED {r.api}: " + "; ".join(why))
    return "\n".join(lines)
