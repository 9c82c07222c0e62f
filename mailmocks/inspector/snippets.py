"""A ready request per API for the home page: a curl and a Python (httpx) snippet.

Built from the contract and the fixture credentials (`Api.check_credentials`) the way the
contract checks apply them, so every API, a sixth one too, gets a request that works.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import orjson

from ..core import Api, Operation
from ..core.contract import apply_credentials


@dataclass(frozen=True, slots=True)
class Snippet:
    operation: str
    method: str
    url: str
    headers: dict[str, str]
    body: Any

    @property
    def curl(self) -> str:
        parts = ["curl", "-sS"]
        if self.method != "GET":
            parts += ["-X", self.method]
        parts.append(shlex.quote(self.url))
        for name, value in self.headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body is not None:
            parts += ["-H", shlex.quote("Content-Type: application/json"),
                      "-d", shlex.quote(orjson.dumps(self.body).decode())]
        return " ".join(parts)

    @property
    def python(self) -> str:
        lines = ["import httpx", "", f"answer = httpx.request({self.method!r}, {self.url!r},"]
        if self.headers:
            lines.append(f"                       headers={self.headers!r},")
        if self.body is not None:
            lines.append(f"                       json={self.body!r},")
        lines += ["                       trust_env=False)",
                  "print(answer.status_code, answer.json())"]
        return "\n".join(lines)


def _needs(op: Operation) -> bool:
    """Whether the operation needs values we cannot make up (path ids, required params)."""
    return "{" in op.path or any(p.required for p in op.parameters if p.location != "header")


def _example(op: Operation) -> Any:
    media = (op.spec.get("requestBody") or {}).get("content", {}).get("application/json", {})
    if "example" in media:
        return media["example"]
    schema = media.get("schema") or {}
    return schema.get("example")


def _placeholder(schema: dict[str, Any]) -> Any:
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    return (schema.get("enum") or ["1"])[0]


def choose(api: Api[Any, Any], world: Any, base: str) -> Snippet | None:
    """A safe read without required inputs, else a write with the contract's own example."""
    creds = api.check_credentials(world)
    ops = sorted(api.contract.operations.values(), key=lambda o: (len(o.path), o.path))
    chosen = next((o for o in ops if o.method == "get" and not _needs(o)
                   and any(alt <= creds.keys() for alt in o.security)), None)
    body = None
    if chosen is None:  # a read whose query the vendor's own hook points at real records
        chosen = next((o for o in ops if o.method == "get" and "{" not in o.path
                       and any(alt <= creds.keys() for alt in o.security)), None)
    if chosen is None:
        chosen = next((o for o in ops if o.method == "post" and not _needs(o)
                       and _example(o) is not None), None)
        if chosen is None:
            return None
        body = _example(chosen)
    placed = SimpleNamespace(query={}, headers={}, cookies={})
    apply_credentials(api.contract, chosen, placed, creds)  # where the schemes put them
    query: dict[str, str] = placed.query
    headers: dict[str, str] = placed.headers
    if placed.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in placed.cookies.items())
    needed = {p.name: _placeholder(p.schema) for p in chosen.parameters
              if p.location == "query" and p.required}
    if needed:
        api.pin_generated(world, "query", needed)
        query.update({k: str(v) for k, v in needed.items()})
    for p in chosen.parameters:  # a header the vendor insists on (HighLevel's Version)
        if p.location == "header" and p.required and p.name not in headers:
            enum = p.schema.get("enum") or [p.schema.get("default", "")]
            headers[p.name] = str(enum[0])
    url = f"{base}/{api.name}{chosen.path}"
    if query:
        url += "?" + urlencode(query)
    return Snippet(chosen.id, chosen.method.upper(), url, headers, body)
