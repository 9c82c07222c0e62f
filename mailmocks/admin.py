"""The sandbox control surface at /_admin (reset, inspect, clock, jobs, faults), and the inbox."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .core.clock import iso

if TYPE_CHECKING:
    from .sandbox import Sandbox


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status, media_type="application/json")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def build_admin(sandbox: Sandbox) -> Starlette:
    s = sandbox.services

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(inbox_page(sandbox))

    async def status(request: Request) -> Response:
        return _json({"apis": {n: {"base_path": f"/{n}", "pending_operations": a.pending,
                                   "credentials": a.api.describe(a.world)}
                               for n, a in sandbox.apps.items()},
                      "clock": {"now": iso(s.clock.now()), "frozen": s.clock.frozen},
                      "jobs_pending": len(s.jobs.pending()), "outbox": len(s.outbox)})

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return _json({"reset": True})

    async def journal(request: Request) -> Response:
        api = request.query_params.get("api")
        kind = request.query_params.get("kind")
        return _json(s.journal.records(api, kind))

    async def outbox(request: Request) -> Response:
        q = request.query_params
        return _json([m.as_dict() for m in s.outbox.messages(q.get("api"), to=q.get("to"),
                                                              kind=q.get("kind"))])

    async def outbox_html(request: Request) -> Response:
        msg = s.outbox.get(int(request.path_params["msg_id"]))
        if msg is None:
            return HTMLResponse("<h1>No such message</h1>", 404)
        return HTMLResponse(msg.html)

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            if body.get("freeze"):
                s.clock.freeze(body.get("at"))
            if body.get("advance"):
                s.clock.advance(float(body["advance"]))
            if body.get("unfreeze"):
                s.clock.unfreeze()
        return _json({"now": iso(s.clock.now()), "frozen": s.clock.frozen})

    async def jobs(request: Request) -> Response:
        return _json({"pending": [j.as_dict() for j in s.jobs.pending()],
                      "finished": [j.as_dict() for j in s.jobs.finished()[-200:]]})

    async def drain(request: Request) -> Response:
        return _json({"ran": s.jobs.drain()})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            allowed = {"api", "operation", "status", "body", "headers", "latency", "times"}
            fault = s.faults.add(**{k: v for k, v in body.items() if k in allowed})
            return _json(fault.as_dict(), 201)
        if request.method == "DELETE":
            s.faults.clear()
            return _json({"cleared": True})
        return _json([f.as_dict() for f in s.faults.list()])

    async def webhooks(request: Request) -> Response:
        return _json([d.as_dict() for d in s.webhooks.deliveries(request.query_params.get("api"))])

    return Starlette(routes=[
        Route("/", index),
        Route("/_admin", status),
        Route("/_admin/reset", reset, methods=["POST"]),
        Route("/_admin/journal", journal),
        Route("/_admin/outbox", outbox),
        Route("/_admin/outbox/{msg_id:int}/html", outbox_html),
        Route("/_admin/clock", clock, methods=["GET", "POST"]),
        Route("/_admin/jobs", jobs),
        Route("/_admin/jobs/drain", drain, methods=["POST"]),
        Route("/_admin/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_admin/webhooks", webhooks),
    ])


def inbox_page(sandbox: Sandbox) -> str:
    """The inspector: what would have been sent, newest first, and the latest requests."""
    s = sandbox.services
    rows = "".join(
        f"<tr><td>{m.id}</td><td>{escape(m.api)}</td><td>{escape(m.kind)}</td>"
        f"<td>{escape(m.to)}</td><td><a href='/_admin/outbox/{m.id}/html'>{escape(m.subject)}</a>"
        f"</td><td>{escape(m.status)}</td></tr>"
        for m in reversed(s.outbox.messages()[-200:]))
    calls = "".join(
        f"<tr><td>{escape(e.api)}</td><td>{escape(e.method)} {escape(e.path)}</td>"
        f"<td>{escape(str(e.operation))}</td><td>{e.status}</td></tr>"
        for e in reversed(s.journal.entries()[-50:]))
    apis = "".join(f"<li><code>/{escape(n)}</code> — {escape(a.api.title)}</li>"
                   for n, a in sandbox.apps.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>mailmocks</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}</style></head><body>
<h1>mailmocks sandbox</h1><p>Clock: {iso(s.clock.now())}{' (frozen)' if s.clock.frozen else ''}</p>
<ul>{apis}</ul>
<h2>Outbox</h2><table id="outbox"><tr><th>#</th><th>API</th><th>kind</th><th>to</th>
<th>subject</th><th>status</th></tr>{rows}</table>
<h2>Recent requests</h2><table id="journal"><tr><th>API</th><th>request</th><th>operation</th>
<th>status</th></tr>{calls}</table></body></html>"""
