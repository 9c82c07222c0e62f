"""The sandbox control API at /_admin, validated against its own OpenAPI document.

`admin_openapi.yaml` is the law here as the vendors' contracts are for them: every query and
body is checked by the same compiled validators (core.contract) before a handler runs, so a
typo (`{"advnace": 3600}`) or an impossible value (`"status": 99`, `"advance": 1e308`) is a
422 naming the field, never a silent no-op or a 500. The inspector's pages (mailmocks/inspector)
change state only through these routes.
"""
from __future__ import annotations

import copy
import functools
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from . import admin_snapshots as snapshots
from .core.app import request_problems
from .core.clock import iso
from .core.contract import Contract, Operation, Problem, SafeLoader
from .core.fixtures import FixtureError
from .core.http import stored_html
from .core.jobs import job_api
from .core.outbox import Message
from .inspector import state

if TYPE_CHECKING:
    from .sandbox import Sandbox

DOCUMENT = Path(__file__).with_name("admin_openapi.yaml")
LAST_TIME = 253402300799.0  # 9999-12-31T23:59:59Z: the last time ISO 8601 can write
Handler = Callable[[Request, dict[str, Any], Any], Awaitable[Response]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _invalid(problems: list[Problem]) -> Response:
    first = problems[0]
    where = f"{first.location} {first.field}".strip() if first.field else first.location
    return _json({"error": f"{where}: {first.message}",
                  "problems": [{"location": p.location, "field": p.field,
                                "message": p.message} for p in problems]}, 422)


@functools.cache
def _raw_document() -> dict[str, Any]:
    with DOCUMENT.open("rb") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=SafeLoader)  # noqa: S506 - libyaml's safe loader
    return doc


def document_for(sandbox: Sandbox) -> dict[str, Any]:
    """The admin OpenAPI document with the served API names and operationIds as enums."""
    doc = copy.deepcopy(_raw_document())
    schemas = doc["components"]["schemas"]
    schemas["ApiName"]["enum"] = sorted(sandbox.apps)
    schemas["OperationId"]["enum"] = sorted(
        {oid for app in sandbox.apps.values() for oid in app.api.contract.operations})
    return doc


def _named(problem: Problem) -> list[Problem]:
    """jsonschema-rs reports an unknown property at its parent: name the property itself."""
    if problem.keyword != "additionalProperties":
        return [problem]
    names = re.findall(r"'((?:[^'\\]|\\.)*)'", problem.message.split("(", 1)[-1])
    base = problem.field
    return [Problem(problem.location, f"{base}.{n}" if base else n, "additionalProperties",
                    f"unknown field {n!r}") for n in names] or [problem]


def _validate(op: Operation, request: Request, body: Any, has_body: bool) -> list[Problem]:
    params, problems = request_problems(op, request.path_params, request.query_params,
                                        request.headers, body, has_body)
    request.state.params = params
    return [named for p in problems for named in _named(p)]


def _time(value: Any) -> float:
    """A validated TimeInput (ISO 8601 or epoch seconds) as epoch seconds."""
    if isinstance(value, str):
        dt = datetime.fromisoformat(value.replace("z", "Z"))
        return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()
    return float(value)


def message_dict(m: Message) -> dict[str, Any]:
    out = m.as_dict()
    out["history"] = [{"status": st, "at": at} for st, at in m.history]
    created = m.history[0][1] if m.history else iso(0)
    out["created_at"] = created
    out["created_at_epoch"] = _time(created)
    return out


def journal_record(record: dict[str, Any]) -> dict[str, Any]:
    at = record["at"]
    if isinstance(at, float | int):
        record["at_epoch"] = at
        record["at"] = iso(at) if math.isfinite(at) and 0 <= at < 253402300800 else str(at)
    return record


def job_dict(job: Any) -> dict[str, Any]:
    out: dict[str, Any] = job.as_dict()
    out["due_epoch"] = job.due
    out["due"] = iso(job.due)
    return out


def matching_messages(sandbox: Sandbox, q: dict[str, Any]) -> list[Message]:
    """The outbox filtered as GET /_admin/outbox and the inbox page filter it."""
    every = sandbox.services.outbox.messages(q.get("api") or None, to=q.get("to") or None,
                                             kind=q.get("kind") or None,
                                             channel=q.get("channel") or None)
    status, text = q.get("status") or None, (q.get("q") or "").lower()
    if status is not None:
        every = [m for m in every if m.status == status]
    if text:
        every = [m for m in every if any(text in f.lower() for f in
                                         (m.subject, m.to, m.sender, m.text, m.html))]
    limit = q.get("limit")
    return every[-limit:] if limit else every


def matching_records(sandbox: Sandbox, q: dict[str, Any]) -> list[dict[str, Any]]:
    """The journal filtered as GET /_admin/journal and the requests page filter it."""
    journal = sandbox.services.journal
    entries = journal.entries(q.get("api") or None, q.get("kind") or None)
    operation, status = q.get("operation") or None, q.get("status")
    entries = [e for e in entries
               if (operation is None or e.operation == operation)
               and (status is None or e.status == status)
               and (not q.get("violations") or e.problems)]
    limit = q.get("limit")
    if limit:
        entries = entries[-limit:]
    return [journal_record(e.as_dict(journal.redact)) for e in entries]


def clock_dict(sandbox: Sandbox) -> dict[str, Any]:
    clock = sandbox.services.clock
    now = clock.now()
    return {"now": iso(now), "now_epoch": now, "frozen": clock.frozen}


def status_dict(sandbox: Sandbox) -> dict[str, Any]:
    s = sandbox.services
    pending = s.jobs.pending()
    messages = s.outbox.messages()
    entries = s.journal.entries()
    # one pass each: the inspector polls this every second
    by_messages = Counter(m.api for m in messages)
    by_requests = Counter(e.api for e in entries)
    by_jobs = Counter(job_api(j.name) for j in pending)
    apis: dict[str, Any] = {}
    for name, app in sandbox.apps.items():
        apis[name] = {
            "title": app.api.title, "base_path": f"/{name}",
            "vendor_base_url": app.api.vendor_base_url,
            "credentials": app.api.describe(app.world),
            "pending_operations": app.pending,
            "counts": {"messages": by_messages[name], "requests": by_requests[name],
                       "jobs": by_jobs[name]},
            "sandbox_routes": state.sandbox_routes(app),
        }
    return {"apis": apis, "clock": clock_dict(sandbox), "jobs_pending": len(pending),
            "outbox": len(s.outbox), "last_message": messages[-1].id if messages else 0,
            "last_request": entries[-1].id if entries else 0,
            "ratelimit": s.limiter.enabled,
            "journal": {"entries": len(s.journal), "bytes": s.journal.bytes,
                        "max_bytes": s.journal.max_bytes}}


def reset_one(sandbox: Sandbox, name: str) -> None:
    """One API back to its fixtures: its world, messages, faults and pending jobs."""
    s = sandbox.services
    for job in s.jobs.pending():
        if job_api(job.name) == name:
            s.jobs.cancel(job)
    for m in s.outbox.messages(name):
        s.outbox.remove(m.id)
    for f in s.faults.list():
        if f.api == name:
            s.faults.remove(f.id)
    app = sandbox.apps[name]
    app.replace_world(app.api.new_world(s, sandbox.fixtures.get(name), sandbox.seed))


@dataclass(frozen=True)
class AdminContract:
    """The control API's document for the APIs a sandbox serves now, compiled once per set of
    APIs (served, they are built after the port is bound: the enums follow as they arrive)."""

    apis: tuple[str, ...]
    document: dict[str, Any]
    contract: Contract
    encoded: bytes  # the document as /_admin/openapi.json sends it

    @classmethod
    def of(cls, sandbox: Sandbox) -> AdminContract:
        apis = tuple(sandbox.apps)
        known: AdminContract | None = getattr(sandbox, "_admin_contract", None)
        if known is None or known.apis != apis:
            doc = document_for(sandbox)
            known = cls(apis, doc, Contract(doc, source="mailmocks admin"), orjson.dumps(doc))
            sandbox._admin_contract = known  # type: ignore[attr-defined]
        return known


def build_admin(sandbox: Sandbox) -> Starlette:
    s = sandbox.services

    def checked(op_id: str, fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            op = AdminContract.of(sandbox).contract.operations[op_id]
            body: Any = None
            has_body = False
            if op.body_validator is not None:
                raw = await request.body()
                has_body = True
                try:
                    body = orjson.loads(raw) if raw.strip() else {}
                except orjson.JSONDecodeError:
                    return _invalid([Problem("body", "", "type", "the body is not JSON")])
            problems = _validate(op, request, body, has_body)
            if problems:
                return _invalid(problems)
            return await fn(request, request.state.params, body)

        return endpoint

    # -- handlers (params and body already validated) ----------------------------------
    async def get_status(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json(status_dict(sandbox))

    async def openapi(request: Request) -> Response:
        return Response(AdminContract.of(sandbox).encoded, media_type="application/json")

    async def reset(request: Request, p: dict[str, Any], b: Any) -> Response:
        if b.get("api"):
            reset_one(sandbox, b["api"])
            return _json({"reset": True, "apis": [b["api"]]})
        sandbox.reset()
        return _json({"reset": True, "apis": list(sandbox.apps)})

    async def load_fixtures(request: Request, p: dict[str, Any], b: Any) -> Response:
        name, path = b["api"], b["path"]
        file = Path(path)
        if not file.is_file() or file.stat().st_size > 64 << 20:
            return _invalid([Problem("body", "path", "file",
                                     f"no fixture file at {path} (a file under 64 MiB)")])
        app = sandbox.apps[name]
        seed = b.get("seed", sandbox.seed)
        try:
            world = app.api.new_world(s, str(file), seed)
        except (FixtureError, OSError, ValueError, yaml.YAMLError) as exc:
            return _invalid([Problem("body", "path", "fixture", str(exc).splitlines()[0])])
        app.replace_world(world)
        sandbox.fixtures[name] = str(file)
        return _json({"loaded": True, "api": name, "path": str(file)})

    async def get_clock(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json(clock_dict(sandbox))

    async def set_clock(request: Request, p: dict[str, Any], b: Any) -> Response:
        clock = s.clock
        if "at" in b and not b.get("freeze"):
            return _invalid([Problem("body", "at", "dependentRequired",
                                     "'at' needs \"freeze\": true")])
        if "set" in b:
            target = _time(b["set"])
            base = _time(b["at"]) if b.get("freeze") and "at" in b else clock.now()
            if target < base:
                return _invalid([Problem("body", "set", "minimum",
                                         f"{iso(target)} is before the clock's {iso(base)}: "
                                         "the clock only moves forward")])
        start = _time(b["at"]) if b.get("freeze") and "at" in b else clock.now()
        end = max(start, _time(b["set"]) if "set" in b else start) + b.get("advance", 0)
        if end > LAST_TIME:
            return _invalid([Problem("body", "advance" if b.get("advance") else "set", "maximum",
                                     f"the clock would pass {iso(LAST_TIME)}")])
        ran = 0
        if b.get("freeze"):
            clock.freeze(_time(b["at"]) if "at" in b else None)
        running = not clock.frozen
        if "set" in b or b.get("advance"):
            if running:
                clock.freeze()
            if "set" in b:
                ran += clock.set(_time(b["set"]))
            if b.get("advance"):
                ran += clock.advance(float(b["advance"]))
            if running:
                clock.unfreeze()  # it was running: it runs on from the new time
        if b.get("unfreeze"):
            clock.unfreeze()
        if b.get("wall"):
            clock.wall()
        return _json({**clock_dict(sandbox), "ran": ran})

    async def get_ratelimit(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json({"enabled": s.limiter.enabled})

    async def set_ratelimit(request: Request, p: dict[str, Any], b: Any) -> Response:
        s.limiter.enabled = bool(b["enabled"])
        return _json({"enabled": s.limiter.enabled})

    async def list_faults(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json([f.as_dict() for f in s.faults.list()])

    async def add_fault(request: Request, p: dict[str, Any], b: Any) -> Response:
        api, operation = b.get("api"), b.get("operation")
        if api and operation and operation not in sandbox.apps[api].api.contract.operations:
            return _invalid([Problem("body", "operation", "enum",
                                     f"{operation!r} is not an operation of {api}")])
        return _json(s.faults.add(**b).as_dict(), 201)

    async def clear_faults(request: Request, p: dict[str, Any], b: Any) -> Response:
        count = len(s.faults.list())
        s.faults.clear()
        return _json({"cleared": count})

    async def delete_fault(request: Request, p: dict[str, Any], b: Any) -> Response:
        if not s.faults.remove(p["fault_id"]):
            return _error(404, f"no fault {p['fault_id']}")
        return _json({"cleared": 1})

    async def list_jobs(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json({"pending": [job_dict(j) for j in s.jobs.pending()],
                      "finished": [job_dict(j) for j in s.jobs.finished()[-200:]]})

    async def drain_jobs(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json({"ran": s.jobs.drain()})

    async def run_job(request: Request, p: dict[str, Any], b: Any) -> Response:
        job = next((j for j in s.jobs.pending() if j.id == p["job_id"]), None)
        if job is None or job.status != "pending":
            return _error(404, f"no pending job {p['job_id']}")
        s.jobs.run(job)
        return _json(job_dict(job))

    async def list_journal(request: Request, p: dict[str, Any], b: Any) -> Response:
        records = matching_records(sandbox, p)
        if p.get("format") == "ndjson":
            lines = b"".join(orjson.dumps(r, default=str) + b"\n" for r in records)
            return Response(lines, media_type="application/x-ndjson")
        return _json(records)

    async def get_journal_entry(request: Request, p: dict[str, Any], b: Any) -> Response:
        journal = s.journal
        entry = next((e for e in journal.entries() if e.id == p["entry_id"]), None)
        if entry is None:
            return _error(404, f"no journal entry {p['entry_id']} (or it aged out)")
        return _json(journal_record(entry.as_dict(journal.redact)))

    async def list_outbox(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json([message_dict(m) for m in matching_messages(sandbox, p)])

    async def clear_outbox(request: Request, p: dict[str, Any], b: Any) -> Response:
        count = len(s.outbox)
        s.outbox.clear()
        return _json({"cleared": count})

    async def get_message(request: Request, p: dict[str, Any], b: Any) -> Response:
        msg = s.outbox.get(p["msg_id"])
        return _error(404, f"no message {p['msg_id']}") if msg is None else _json(
            message_dict(msg))

    async def delete_message(request: Request, p: dict[str, Any], b: Any) -> Response:
        if not s.outbox.remove(p["msg_id"]):
            return _error(404, f"no message {p['msg_id']}")
        return _json({"cleared": 1})

    async def get_message_html(request: Request, p: dict[str, Any], b: Any) -> Response:
        msg = s.outbox.get(p["msg_id"])
        if msg is None:
            return stored_html("<h1>No such message</h1>", 404)
        return stored_html(msg.html)

    async def mark_message(request: Request, p: dict[str, Any], b: Any) -> Response:
        msg = s.outbox.get(p["msg_id"])
        if msg is None:
            return _error(404, f"no message {p['msg_id']}")
        s.outbox.mark(msg, b["status"])
        return _json(message_dict(msg))

    async def list_webhooks(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json([d.as_dict() for d in s.webhooks.deliveries(p.get("api"))])

    async def list_state_tables(request: Request, p: dict[str, Any], b: Any) -> Response:
        app = sandbox.apps[p["api"]]
        return _json([{"name": n, "count": len(rows)}
                      for n, rows in state.tables(app.world).items()])

    async def get_state_table(request: Request, p: dict[str, Any], b: Any) -> Response:
        app = sandbox.apps[p["api"]]
        rows = state.tables(app.world).get(p["table"])
        if rows is None:
            return _error(404, f"no table {p['table']!r} in {p['api']}")
        return _json(state.page(p["table"], state.matching(rows, p.get("q", "")),
                                p.get("offset", 0), p.get("limit", 50)))

    async def export_snapshot(request: Request, p: dict[str, Any], b: Any) -> Response:
        return _json(snapshots.export(sandbox, p["api"]))

    async def import_snapshot(request: Request, p: dict[str, Any], b: Any) -> Response:
        problems = snapshots.restore(sandbox, p["api"], b)
        return _invalid(problems) if problems else _json({"imported": True, "api": p["api"]})

    def route(path: str, *pairs: tuple[str, str, Handler]) -> list[BaseRoute]:
        by_method = {method: checked(op_id, fn) for method, op_id, fn in pairs}

        async def endpoint(request: Request) -> Response:
            return await by_method[request.method](request)

        return [Route(path, endpoint, methods=list(by_method))]

    from .inspector.pages import page_routes  # the pages read the helpers above

    return Starlette(routes=[
        *page_routes(sandbox),
        Route("/_admin/openapi.json", openapi),
        *route("/_admin", ("GET", "get_status", get_status)),
        *route("/_admin/reset", ("POST", "reset", reset)),
        *route("/_admin/fixtures", ("POST", "load_fixtures", load_fixtures)),
        *route("/_admin/snapshots/{api}", ("GET", "export_snapshot", export_snapshot),
               ("POST", "import_snapshot", import_snapshot)),
        *route("/_admin/clock", ("GET", "get_clock", get_clock),
               ("POST", "set_clock", set_clock)),
        *route("/_admin/ratelimit", ("GET", "get_ratelimit", get_ratelimit),
               ("POST", "set_ratelimit", set_ratelimit)),
        *route("/_admin/faults", ("GET", "list_faults", list_faults),
               ("POST", "add_fault", add_fault), ("DELETE", "clear_faults", clear_faults)),
        *route("/_admin/faults/{fault_id}", ("DELETE", "delete_fault", delete_fault)),
        *route("/_admin/jobs", ("GET", "list_jobs", list_jobs)),
        *route("/_admin/jobs/drain", ("POST", "drain_jobs", drain_jobs)),
        *route("/_admin/jobs/{job_id}/run", ("POST", "run_job", run_job)),
        *route("/_admin/journal", ("GET", "list_journal", list_journal)),
        *route("/_admin/journal/{entry_id}", ("GET", "get_journal_entry", get_journal_entry)),
        *route("/_admin/outbox", ("GET", "list_outbox", list_outbox),
               ("DELETE", "clear_outbox", clear_outbox)),
        *route("/_admin/outbox/{msg_id}", ("GET", "get_message", get_message),
               ("DELETE", "delete_message", delete_message)),
        *route("/_admin/outbox/{msg_id}/html", ("GET", "get_message_html", get_message_html)),
        *route("/_admin/outbox/{msg_id}/status", ("POST", "mark_message", mark_message)),
        *route("/_admin/webhooks", ("GET", "list_webhooks", list_webhooks)),
        *route("/_admin/state/{api}", ("GET", "list_state_tables", list_state_tables)),
        *route("/_admin/state/{api}/{table}", ("GET", "get_state_table", get_state_table)),
    ])
