"""A vendor's own objects as named tables, found by walking its world (no vendor code).

Every vendor keeps its state the same few ways: `core.Table`s, dicts or lists of dataclass
records, and per-tenant objects (accounts, orgs, locations, projects) holding those. The walk
names each table by where it lives (`accounts[1].subscribers`), so a sixth API gets a state
browser without a line of its own.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import orjson
from starlette.routing import Route

from ..core import ApiApp, Table, iso

SKIP = frozenset({"services", "lock", "rng", "billetto_source"})
CELL_CHARS = 300
MAX_DEPTH = 2


def _is_record(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _is_holder(value: Any) -> bool:
    return hasattr(value, "__dict__") and not _is_record(value) and not isinstance(value, type)


def _attrs(obj: Any) -> list[tuple[str, Any]]:
    if _is_record(obj):
        return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    return list(vars(obj).items())


def tables(world: Any) -> dict[str, list[Any]]:
    """Table name -> its rows (records), in the world's own order."""
    out: dict[str, list[Any]] = {}
    _walk(world, "", out, 0, {id(world)})
    return out


def _walk(obj: Any, prefix: str, out: dict[str, list[Any]], depth: int, seen: set[int]) -> None:
    for name, value in _attrs(obj):
        if name.startswith("_") or name in SKIP:
            continue
        label = f"{prefix}{name}"
        if isinstance(value, Table):
            out[label] = list(value)
        elif isinstance(value, dict) and value:
            first = next(iter(value.values()))
            if _is_record(first):
                out[label] = list(value.values())
            elif _is_holder(first) and depth < MAX_DEPTH:
                for key, holder in value.items():
                    if _is_holder(holder) and id(holder) not in seen:  # keys -> the same account
                        seen.add(id(holder))
                        _walk(holder, f"{label}[{key}].", out, depth + 1, seen)
        elif isinstance(value, list) and value and _is_record(value[0]):
            out[label] = list(value)
        elif _is_holder(value) and depth < MAX_DEPTH and id(value) not in seen \
                and type(value).__module__.startswith("mailmocks.apis"):
            seen.add(id(value))
            _walk(value, f"{label}.", out, depth + 1, seen)


def cell(value: Any) -> Any:
    """A value as one short table cell: scalars as they are, the rest as clipped JSON."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else orjson.dumps(
        value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS] + "…"


def _when(name: str, value: Any) -> Any:
    """Epoch seconds in a `*_at` field read as ISO 8601, like the rest of the control API."""
    if name.endswith("_at") and isinstance(value, float | int) and not isinstance(value, bool) \
            and 0 <= value < 253402300800:
        return iso(float(value))
    return cell(value)


def row(record: Any) -> dict[str, Any]:
    if _is_record(record):
        return {f.name: _when(f.name, getattr(record, f.name))
                for f in dataclasses.fields(record) if not f.name.startswith("_")}
    return {"value": cell(record)}


def matching(rows: list[Any], text: str) -> list[Any]:
    """The rows with `text` in any cell (any case): the records a message or request names."""
    if not text:
        return rows
    low = text.lower()
    return [r for r in rows if any(low in str(v).lower() for v in row(r).values())]


def page(name: str, rows: list[Any], offset: int, limit: int) -> dict[str, Any]:
    shown = [row(r) for r in rows[offset:offset + limit]]
    columns = list(shown[0]) if shown else (list(row(rows[0])) if rows else [])
    return {"name": name, "total": len(rows), "offset": offset, "limit": limit,
            "columns": columns, "rows": shown}


def sandbox_routes(app: ApiApp) -> list[dict[str, str]]:
    """The vendor's own sandbox actions (rotate a key, set a send's status...) by URL, from
    the routes the app already built (not built again on every poll)."""
    api = app.api
    found: list[dict[str, str]] = []
    for r in app.extra_routes:
        if isinstance(r, Route) and r.path.startswith("/_sandbox"):
            for method in sorted((r.methods or set()) - {"HEAD"}):
                found.append({"method": method, "path": f"/{api.name}{r.path}"})
    return found
