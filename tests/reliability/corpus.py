"""What the reliability suite sends: malformed requests, extreme values, and the probes that
read everything back.

Everything is derived from the contracts (operations, parameters, body schemas, security
schemes), so a sixth API is covered without a line here. `DEEP` (MAILMOCKS_DEEP=1, set by
`make check-deep`) sends the full corpus; the default is a sample that keeps `make test` fast.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from mailmocks.checks import apply_credentials
from mailmocks.core import Api, Operation, Table

DEEP = os.environ.get("MAILMOCKS_DEEP", "") not in ("", "0")
# what a run sent, printed at its end (tests/reliability/conftest.py): `make check-deep`'s figures
FIGURES: Counter[str] = Counter()

JSON = "application/json"
# ids a path can carry that no vendor stores: signs, huge, non-ASCII digits, NUL, traversal
ODD_IDS = ["0", "-1", "99999999999999999999999999", "1" * 5000, "%D9%A1", "%C2%B2", "1e3",
           "0x1F", "%00", "..%2F..%2Fetc", "a" * 300, "%F0%9F%92%A9", "null", "1.5"]
# bodies no framework turns into a value: truncated, invalid, invalid UTF-8, scalars
BROKEN_JSON = [b'{"a":', b"{", b"[1,2", b'{"a" 1}', b"\xff\xfe\xfd", b'{"a":"\xc3\x28"}',
               b"nul", b'{"a":1}}', b"\x00", b"[" * 3000 + b"]" * 3000,
               b'{"a":' * 3000 + b"1" + b"}" * 3000]
ODD_VALUES: list[Any] = ["\x00", "a\x00b@example.com", None, True, "", [], {}, -1, 2**63,
                         1e308, -1e308, "9999-12-31T23:59:59-12:00", "x" * 20000]
EXTREME_NUMBERS: list[Any] = [1e308, -1e308, 2**63, -(2**63) - 1, 5e-324, 0, -1]
EXTREME_DATES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                 "0000-00-00T00:00:00Z", "2026-02-30T25:61:61Z", "1e308"]


@dataclass
class Probe:
    """One request, in the shape `checks.apply_credentials` fills in."""

    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    label: str = ""

    def send_args(self) -> dict[str, Any]:
        headers = dict(self.headers)
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"method": self.method.upper(), "url": self.path, "params": self.query,
                "headers": headers, "content": self.content}


# -- values valid for a schema, as far as a simple walk can tell -------------------------
def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    for key in ("oneOf", "anyOf"):
        options = [s for s in schema.get(key, ()) if s.get("type") != "null"]
        if options:
            return sample(options[0], depth)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged = {**merged, **part, "properties": {**merged.get("properties", {}),
                                                        **part.get("properties", {})},
                      "required": [*merged.get("required", []), *part.get("required", [])]}
        return sample(merged, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        return {k: sample(props.get(k, {}), depth + 1) for k in schema.get("required", [])}
    if kind == "array":
        return [sample(schema.get("items", {}), depth + 1)
                for _ in range(max(1, int(schema.get("minItems", 1))))]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    fmt = schema.get("format", "")
    if fmt == "email":
        return "reliable@example.com"
    if fmt == "date-time":
        return "2026-06-01T10:00:00Z"
    if fmt == "date":
        return "2026-06-01"
    if fmt in ("uri", "url"):
        return "https://example.com/reliable"
    return "r" * max(1, int(schema.get("minLength", 1)))


def _leaves(schema: dict[str, Any], depth: int = 0) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, kind) of every number, integer and date field a body may carry, two levels deep."""
    for name, sub in schema.get("properties", {}).items():
        kind = sub.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind in ("integer", "number"):
            yield (name,), "number"
        elif kind == "string" and sub.get("format") in ("date-time", "date"):
            yield (name,), "date"
        elif kind == "string" and any(w in name.lower() for w in ("date", "time", "_at")):
            yield (name,), "date"
        elif kind == "object" and depth < 2:
            for path, leaf in _leaves(sub, depth + 1):
                yield (name, *path), leaf
        elif kind == "array" and depth < 2 and isinstance(sub.get("items"), dict):
            for path, leaf in _leaves(sub["items"], depth + 1):
                yield (name, "0", *path), leaf


def _set(body: Any, path: tuple[str, ...], value: Any) -> Any:
    body = orjson.loads(orjson.dumps(body))
    node = body
    for key in path[:-1]:
        if key == "0":
            if not isinstance(node, list) or not node:
                return None
            node = node[0]
        else:
            if not isinstance(node, dict):
                return None
            node = node.setdefault(key, {})
    if not isinstance(node, dict):
        return None
    node[path[-1]] = value
    return body


# -- the probes ------------------------------------------------------------------------
def _base(api: Api[Any, Any], world: Any, op: Operation, credentials: dict[str, str],
          path_value: str | None = None) -> Probe:
    """The operation with its required parameters, pointed at the world's records (the
    vendor's `pin_generated`, as contract checks do), credentials where the contract says."""
    path_values: dict[str, Any] = {}
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for p in op.parameters:
        if p.location == "path":
            path_values[p.name] = sample(p.schema)
        elif p.required and p.location == "query":
            query[p.name] = sample(p.schema)
        elif p.required and p.location == "header":
            headers[p.name] = str(sample(p.schema))
    api.pin_generated(world, "path", path_values)
    api.pin_generated(world, "query", query)
    path = op.path
    for name, value in path_values.items():
        path = path.replace("{" + name + "}", path_value if path_value is not None else str(value))
    probe = Probe(op.method, path, query, headers)
    apply_credentials(api.contract, op, probe, credentials)
    return probe


def encode(body: Any) -> bytes:
    """JSON as a client sends it: integers of any size (orjson stops at 64 bits)."""
    return json.dumps(body, allow_nan=False).encode()


def _with_body(probe: Probe, content: bytes, media: str = JSON, label: str = "") -> Probe:
    return dataclasses.replace(probe, content=content, headers={**probe.headers,
                                                                 "content-type": media},
                               label=label)


def malformed(api: Api[Any, Any], world: Any, op: Operation, credentials: dict[str, str]
              ) -> list[Probe]:
    """Requests every framework refuses: the answer must be a 4xx, and nothing stored."""
    base = _base(api, world, op, credentials)
    probes: list[Probe] = []
    if any(p.location == "path" for p in op.parameters):
        probes += [dataclasses.replace(_base(api, world, op, credentials, odd),
                                       label=f"id {odd[:20]}") for odd in ODD_IDS]
    huge_query = {f"q{i}": "x" * 64 for i in range(120)}
    probes.append(dataclasses.replace(base, query={**base.query, **huge_query},
                                      label="huge query"))
    probes.append(dataclasses.replace(base, headers={**base.headers, "x-junk": "h" * 6000},
                                      label="huge header"))
    if op.body_validator is not None or op.method in ("post", "put", "patch"):
        probes += [_with_body(base, raw, label=f"broken json {raw[:12]!r}")
                   for raw in BROKEN_JSON]
        probes.append(_with_body(base, b"x" * (api.max_body_bytes + 10), label="too large"))
        probes.append(_with_body(base, b'{"email": "a@b.c"}', "application/xml", "xml"))
    return probes


def odd_values(api: Api[Any, Any], world: Any, op: Operation, credentials: dict[str, str]
               ) -> list[Probe]:
    """A valid-looking body with one field at an extreme: accepted or refused, never a 5xx."""
    if op.body_validator is None:
        return []
    schema = op.body_validator.schema
    body = sample(schema)
    if isinstance(body, dict):
        api.pin_generated(world, "body", body)
    base = _with_body(_base(api, world, op, credentials), encode(body), label="sample")
    probes = [base]
    for path, kind in _leaves(schema):
        values = EXTREME_NUMBERS if kind == "number" else EXTREME_DATES
        for value in values:
            changed = _set(body, path, value)
            if changed is not None:
                probes.append(dataclasses.replace(
                    base, content=encode(changed), label=f"{'.'.join(path)}={value!r}"))
    if isinstance(body, dict):
        for name in list(body)[:6] or ["x"]:
            for value in ODD_VALUES:
                probes.append(dataclasses.replace(
                    base, content=encode({**body, name: value}),
                    label=f"{name}={str(value)[:20]!r}"))
    return probes


def thin(probes: list[Probe], keep: int, seed: str) -> list[Probe]:
    """All of them when deep, else a fixed sample (the same one every run)."""
    if DEEP or len(probes) <= keep:
        return probes
    return random.Random(seed).sample(probes, keep)


def ids_in(value: Any, out: set[str]) -> None:
    """Every id an answer names (keys `id`, `*_id`, `*Id`), to read it back."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, (int, str)) and not isinstance(sub, bool) and (
                    key == "id" or key.endswith("_id") or key.endswith("Id")):
                if len(str(sub)) < 64:
                    out.add(str(sub))
            else:
                ids_in(sub, out)
    elif isinstance(value, list):
        for sub in value[:20]:
            ids_in(sub, out)


def reads(api: Api[Any, Any], world: Any, credentials: dict[str, str], ids: set[str]
          ) -> list[Probe]:
    """Every read operation: lists as they are, lookups by every id seen."""
    probes = []
    for op in api.contract.operations.values():
        if not op.safe:
            continue
        path_params = [p for p in op.parameters if p.location == "path"]
        if not path_params:
            probes.append(_base(api, world, op, credentials))
        elif len(path_params) == 1:
            probes += [_base(api, world, op, credentials, i) for i in sorted(ids)[:40]]
    return probes


# -- what a world holds, to prove a refused request changed nothing ------------------------
def fingerprint(world: Any) -> str:
    return hashlib.sha256(orjson.dumps(_plain(world, set()), default=repr,
                                       option=orjson.OPT_SORT_KEYS)).hexdigest()


def _plain(value: Any, seen: set[int]) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if id(value) in seen:
        return "<seen>"
    seen.add(id(value))
    if isinstance(value, Table):
        return [_plain(row, seen) for row in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, seen) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v, seen) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), seen) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
    if hasattr(value, "__dict__") and type(value).__module__.startswith("mailmocks.apis"):
        return {k: _plain(v, seen) for k, v in vars(value).items() if not k.startswith("_")}
    return type(value).__name__  # services, clocks, callables: not the world's own state
