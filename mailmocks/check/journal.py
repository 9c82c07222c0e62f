"""`mailmocks check --journal FILE`: what a client sent, checked against the contracts.

The file is the sandbox's journal as ndjson (`GET /_admin/journal?format=ndjson`), one
request per line. Each request is matched to an operation by method and path and validated
here (path, query, headers, body), not trusted from the entry's own `problems`, so a journal
written by any mailmocks version is judged by the contract at hand. Every request the vendor
would refuse — an unknown route, a parameter or body off-contract — is reported; exit 1 if any.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from starlette.datastructures import Headers, QueryParams

from .. import apis
from ..core import Api, Contract, Operation, Problem
from ..core.app import request_problems


@dataclass
class Rejection:
    line: int
    api: str
    method: str
    path: str
    operation: str | None
    status: Any
    problems: list[str]


class Routes:
    """method + path -> operation and path parameters, by the contract's templates."""

    def __init__(self, contract: Contract) -> None:
        self.routes: list[tuple[re.Pattern[str], str, Operation]] = []
        for template, ops in contract.paths.items():
            pattern = re.sub(r"\\\{(\w[\w.-]*)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            for method, op in ops.items():
                self.routes.append((re.compile(f"^{pattern}/?$"), method.upper(), op))
        # static segments before templated ones, as the fake routes them
        self.routes.sort(key=lambda r: r[0].pattern.count("(?P<"))

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for pattern, verb, op in self.routes:
            found = pattern.match(path)
            if found and verb == method.upper():
                return op, dict(found.groupdict())
        return None


def problems_of(api: Api[Any], op: Operation, path_params: dict[str, str],
                query: dict[str, Any], headers: dict[str, str], body: Any, has_body: bool
                ) -> list[Problem]:
    """Everything about one request the contract forbids: the fake's own check on arrival."""
    return request_problems(op, path_params, QueryParams(_pairs(query)), Headers(headers),
                            body, has_body, api.repeated_query)[1]


def _pairs(query: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(key), str(item)))
    return pairs


def _entries(path: str) -> Iterator[tuple[int, dict[str, Any] | None]]:
    with Path(path).open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                yield n, None
                continue
            yield n, value if isinstance(value, dict) else None


def _judge(path: str, names: list[str] | None
           ) -> tuple[int, list[Rejection], list[str], list[Rejection]]:
    """(requests checked, rejections, notes on lines that could not be judged, every request
    judged for JUnit)."""
    routes: dict[str, Routes] = {}
    rejections: list[Rejection] = []
    notes: list[str] = []
    judged: list[Rejection] = []
    checked = 0
    for n, entry in _entries(path):
        if entry is None:
            notes.append(f"line {n}: not a JSON object")
            continue
        if entry.get("kind", "request") != "request":
            continue
        api = str(entry.get("api", ""))
        if names is not None and api not in names:
            continue
        if api not in apis.names():
            notes.append(f"line {n}: unknown API {api!r}")
            continue
        if api not in routes:
            routes[api] = Routes(apis.load(api).contract)
        checked += 1
        method = str(entry.get("method", "GET"))
        full = str(entry.get("path", "/"))
        rest = full[len(api) + 1:] if full.startswith(f"/{api}/") else full
        found = routes[api].match(method, rest)
        base = Rejection(n, api, method, rest, None, entry.get("status"), [])
        judged.append(base)
        if found is None:
            base.problems = ["no such operation in the contract: the vendor answers 404/405"]
            rejections.append(base)
            continue
        op, path_params = found
        base.operation = op.id
        body = entry.get("request_body")
        if entry.get("clipped") and body is not None:
            notes.append(f"line {n}: body clipped in the journal, not checked")
            has_body, body = False, None
            if op.body_required:
                op_problems = problems_of(apis.load(api), op, path_params, entry.get("query") or {},
                                          entry.get("request_headers") or {}, None, True)
                body_free = [p for p in op_problems if p.location != "body"]
                _add(base, body_free, rejections)
                continue
        else:
            has_body = body is not None
        problems = problems_of(apis.load(api), op, path_params, entry.get("query") or {},
                               entry.get("request_headers") or {}, body, has_body)
        _add(base, problems, rejections)
    return checked, rejections, notes, judged


def _add(base: Rejection, problems: list[Problem], out: list[Rejection]) -> None:
    if problems:
        base.problems = [f"{p.location} {p.field or '<root>'}: {p.message}" for p in problems]
        out.append(base)


def junit(judged: list[Rejection], path: str) -> None:
    """One testcase per request, failed when the vendor would refuse it."""
    import xml.etree.ElementTree as ET
    suite = ET.Element("testsuite", name="mailmocks check --journal", tests=str(len(judged)),
                       failures=str(sum(1 for r in judged if r.problems)), errors="0")
    for r in judged:
        case = ET.SubElement(suite, "testcase", classname=f"{r.api}.{r.operation or 'unknown'}",
                             name=f"line {r.line}: {r.method} {r.path}")
        if r.problems:
            ET.SubElement(case, "failure", message=r.problems[0],
                          type="rejected").text = "\n".join(r.problems)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def run_journal(path: str, names: list[str] | None, report: str | None,
                junit_xml: str | None = None) -> int:
    try:
        checked, rejections, notes, judged = _judge(path, names)
    except OSError as exc:
        print(f"mailmocks check: cannot read journal {path}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    for r in rejections:
        print(f"REJECTED line {r.line}: {r.api} {r.method} {r.path} "
              f"({r.operation or 'no operation'}, the sandbox answered {r.status})")
        for text in r.problems:
            print(f"    {text}")
    for note in notes:
        print(f"note: {note}")
    print(f"\n{checked} request(s) checked, {len(rejections)} the vendor would reject")
    if report:
        Path(report).write_bytes(orjson.dumps(
            {"checked": checked, "passed": not rejections and checked > 0,
             "rejected": [vars(r) for r in rejections], "notes": notes},
            option=orjson.OPT_INDENT_2))
    if junit_xml:
        junit(judged, junit_xml)
    if checked == 0:
        print("mailmocks check: the journal holds no request to check", file=sys.stderr)
        return 1
    return 1 if rejections else 0
