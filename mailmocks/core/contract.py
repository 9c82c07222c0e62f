"""Load an OpenAPI 3.1 contract once: resolve $refs, list operations, compile validators lazily.

A contract is parsed (libyaml when present) and dereferenced once per process; each validator
compiles the first time it is used and stays compiled, so a fake of a large contract is built
in milliseconds and pays only for the operations a test reaches. Nothing here runs per
request except the compiled validators themselves.
"""
from __future__ import annotations

import base64
import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation failure, in terms a vendor module can turn into its own error body."""

    location: str  # "path" | "query" | "header" | "body"
    field: str  # dotted path inside the location ("" for the whole body)
    keyword: str  # the JSON Schema keyword that failed ("required", "type", "format", ...)
    message: str


@dataclass(slots=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    is_array: bool
    scalar_type: str | None


# The C parser is ~8x faster than the pure-Python one on our contracts (same documents).
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Validator:
    """A JSON Schema (draft 2020-12) compiled on first use, that reports `Problem`s."""

    __slots__ = ("schema", "_validator")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator: Any = None

    @property
    def _compiled(self) -> Any:
        # compiling is idempotent, so two threads racing here only do the work twice
        if self._validator is None:
            self._validator = jsonschema_rs.validator_for(self.schema, validate_formats=True)
        return self._validator

    def is_valid(self, instance: Any) -> bool:
        return bool(self._compiled.is_valid(instance))

    def problems(self, instance: Any, location: str) -> list[Problem]:
        out: list[Problem] = []
        for err in self._compiled.iter_errors(instance):
            path = ".".join(str(p) for p in err.instance_path)
            keyword = str(err.schema_path[-1]) if err.schema_path else ""
            if keyword == "required":
                # name the missing property itself, which is what vendors talk about
                missing = _missing_name(err.message)
                if missing:
                    path = ".".join(filter(None, [path, missing]))
            out.append(Problem(location, path, keyword, err.message))
        return out


def _missing_name(message: str) -> str | None:
    # jsonschema-rs words it '"email" is a required property'
    tail = '" is a required property'
    if message.startswith('"') and tail in message:
        return message[1 : message.index(tail)]
    return None


@dataclass(slots=True)
class ResponseSpec:
    status: str
    media: dict[str, Validator | None]  # media type -> body validator (None: any body)
    headers: tuple[str, ...]


@dataclass(slots=True)
class Operation:
    id: str
    method: str
    path: str
    parameters: list[Parameter]
    params_validator: Validator
    body_required: bool
    body_media: tuple[str, ...]
    body_validator: Validator | None
    responses: dict[str, ResponseSpec]
    security: list[frozenset[str]]  # alternatives; each a set of scheme names; [] = public
    spec: dict[str, Any] = field(repr=False)
    scopes: frozenset[str] = frozenset()  # every OAuth scope its security requirements name
    extensions: dict[str, Any] = field(default_factory=dict)  # its `x-...` keys

    @property
    def safe(self) -> bool:
        """Reads only: GET and HEAD (a vendor names its read-only POSTs in CheckSettings)."""
        return self.method in ("get", "head")

    def response_for(self, status: int) -> ResponseSpec | None:
        code = str(status)
        return (
            self.responses.get(code)
            or self.responses.get(f"{code[0]}XX")
            or self.responses.get("default")
        )

    def coerce_params(self, path: dict[str, str], query: Any, headers: Any) -> dict[str, Any]:
        """Turn the strings of path, query and headers into typed values per their schemas.

        A value that does not parse stays a string, so the validator reports it with the
        contract's wording instead of this function guessing.
        """
        out: dict[str, Any] = {}
        for p in self.parameters:
            if p.location == "path":
                raw: Any = path.get(p.name)
            elif p.location == "query":
                if p.is_array:
                    values = query.getlist(p.name) or query.getlist(p.name + "[]")
                    if not values:
                        continue
                    item_type = _scalar_type(p.schema.get("items", {}))
                    out[p.name] = [_coerce(v, item_type) for v in values]
                    continue
                raw = query.get(p.name)
            elif p.location == "header":
                raw = headers.get(p.name)
            else:
                continue
            if raw is None:
                continue
            out[p.name] = _coerce(raw, p.scalar_type)
        return out


def _scalar_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None:
        for key in ("oneOf", "anyOf"):
            for sub in schema.get(key, ()):
                st = _scalar_type(sub)
                if st not in (None, "string"):
                    return st
    return t if isinstance(t, str) else None


# ASCII only: Python's int() and float() also read "١" (an Arabic-Indic one), "1_000", " 7",
# "nan" and "inf", which no vendor framework takes for a number.
_INTEGER = re.compile(r"-?[0-9]{1,20}")
_NUMBER = re.compile(r"-?[0-9]{1,309}(\.[0-9]{1,64})?([eE][-+]?[0-9]{1,3})?")


def _coerce(raw: Any, kind: str | None) -> Any:
    if not isinstance(raw, str):  # repeated values a framework kept as a list
        return raw
    if kind == "integer":
        if not _INTEGER.fullmatch(raw):
            return raw
        value = int(raw)
        # 64-bit like every JSON stack on the way out; larger stays a string -> 422
        return value if -(2**63) <= value < 2**63 else raw
    if kind == "number":
        if not _NUMBER.fullmatch(raw):
            return raw
        number = float(raw)
        return number if math.isfinite(number) else raw
    if kind == "boolean":
        low = raw.lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
    return raw


class Contract:
    """A parsed, dereferenced contract with its operations keyed by operationId."""

    def __init__(self, document: dict[str, Any], source: str = "<memory>") -> None:
        self.source = source
        self.raw = document
        self.document: dict[str, Any] = _deref(document, document, ())
        self.security_schemes: dict[str, dict[str, Any]] = self.document.get(
            "components", {}
        ).get("securitySchemes", {})
        default_security = self.document.get("security", [])
        self.operations: dict[str, Operation] = {}
        for path, item in self.document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in METHODS:
                spec = item.get(method)
                if spec is None:
                    continue
                op = _build_operation(path, method, spec, shared, default_security)
                if op.id in self.operations:
                    raise ValueError(f"{source}: duplicate operationId {op.id}")
                self.operations[op.id] = op

    @property
    def paths(self) -> dict[str, dict[str, Operation]]:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.operations.values():
            by_path.setdefault(op.path, {})[op.method.upper()] = op
        return by_path

    @classmethod
    def from_file(cls, path: str | Path) -> Contract:
        return _load_cached(str(Path(path).resolve()))


@functools.cache
def _load_cached(path: str) -> Contract:
    with open(path, "rb") as fh:
        return Contract(yaml.load(fh, Loader=SafeLoader), source=path)  # noqa: S506 - a safe loader


def _deref(node: Any, root: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise ValueError(f"recursive $ref {ref} is not supported")
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            resolved = _deref(target, root, (*seen, ref))
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(resolved, dict):
                return {**resolved, **_deref(siblings, root, seen)}
            return resolved
        return {k: _deref(v, root, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, root, seen) for v in node]
    return node


def _build_operation(
    path: str,
    method: str,
    spec: dict[str, Any],
    shared: list[dict[str, Any]],
    default_security: list[dict[str, Any]],
) -> Operation:
    op_id = spec.get("operationId") or f"{method}_{path}"
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for p in [*shared, *spec.get("parameters", [])]:
        merged[(p["name"], p["in"])] = p
    params: list[Parameter] = []
    props: dict[str, Any] = {}
    required: list[str] = []
    for (name, loc), p in merged.items():
        schema = p.get("schema", {})
        is_array = _scalar_type(schema) == "array"
        params.append(Parameter(name, loc, bool(p.get("required")), schema, is_array,
                                _scalar_type(schema)))
        props[name] = schema
        if p.get("required"):
            required.append(name)
    params_validator = Validator({"type": "object", "properties": props, "required": required})

    body = spec.get("requestBody") or {}
    content = body.get("content", {})
    body_media = tuple(content)
    json_media = next((m for m in content if "json" in m), None)
    body_schema = content[json_media].get("schema") if json_media else None
    body_validator = Validator(body_schema) if body_schema else None

    responses: dict[str, ResponseSpec] = {}
    for status, rspec in spec.get("responses", {}).items():
        media: dict[str, Validator | None] = {}
        for mtype, mspec in (rspec.get("content") or {}).items():
            schema = mspec.get("schema")
            media[mtype] = Validator(schema) if schema else None
        responses[str(status)] = ResponseSpec(
            str(status), media, tuple(h.lower() for h in rspec.get("headers", {}) or {})
        )

    security_spec = spec.get("security", default_security)
    security = [frozenset(alt) for alt in security_spec]
    scopes = frozenset(scope for alt in security_spec for names in alt.values()
                       for scope in names or ())
    return Operation(
        id=op_id,
        method=method,
        path=path,
        parameters=params,
        params_validator=params_validator,
        body_required=bool(body.get("required")),
        body_media=body_media,
        body_validator=body_validator,
        responses=responses,
        security=security,
        spec=spec,
        scopes=scopes,
        extensions={k: v for k, v in spec.items() if k.startswith("x-")},
    )


def operation_ids(contract: Contract) -> Iterable[str]:
    return contract.operations.keys()


def apply_credentials(contract: Contract, op: Operation | None, case: Any,
                      credentials: dict[str, str]) -> None:
    """Put the first security alternative of `op` we hold credentials for where its schemes
    say: query, header, cookie, Bearer or Basic (value `user:password`). `case` is anything
    with `query`, `headers` and `cookies` mappings (a schemathesis case, a probe, a snippet)."""
    if op is None or not op.security:
        return
    alternative = next((alt for alt in op.security if alt and alt <= credentials.keys()), None)
    if alternative is None:
        return
    for scheme_name in sorted(alternative):
        scheme = contract.security_schemes.get(scheme_name, {})
        value = credentials[scheme_name]
        kind = scheme.get("type")
        if kind == "apiKey":
            where, name = scheme.get("in"), scheme.get("name", scheme_name)
            if where == "query":
                case.query = {**(case.query or {}), name: value}
            elif where == "cookie":
                case.cookies = {**(case.cookies or {}), name: value}
            else:
                case.headers = {**(case.headers or {}), name: value}
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            token = base64.b64encode(value.encode()).decode()
            case.headers = {**(case.headers or {}), "Authorization": f"Basic {token}"}
        elif kind in ("http", "oauth2", "openIdConnect"):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {value}"}
