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
from .core.http import stored_html

# The sandbox's own pages: no inline script (stored data can never run), framed by nobody.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-src 'self'; connect-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
PAGE_HEADERS = {"content-security-policy": PAGE_CSP, "x-content-type-options": "nosniff",
                "referrer-policy": "no-referrer"}

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
        q = request.query_params
        m = q.get("m", "")
        selected = int(m) if m.isascii() and m.isdigit() and len(m) < 19 else None
        return HTMLResponse(inbox_page(sandbox, selected, q.get("api") or None),
                            headers=PAGE_HEADERS)

    async def status(request: Request) -> Response:
        return _json({"apis": {n: {"base_path": f"/{n}", "pending_operations": a.pending,
                                   "credentials": a.api.describe(a.world)}
                               for n, a in sandbox.apps.items()},
                      "clock": {"now": iso(s.clock.now()), "frozen": s.clock.frozen},
                      "jobs_pending": len(s.jobs.pending()), "outbox": len(s.outbox),
                      "journal": {"entries": len(s.journal), "bytes": s.journal.bytes,
                                  "max_bytes": s.journal.max_bytes}})

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return _json({"reset": True})

    async def journal(request: Request) -> Response:
        api = request.query_params.get("api")
        kind = request.query_params.get("kind")
        records = s.journal.records(api, kind)
        if request.query_params.get("format") == "ndjson":  # `mailmocks check --journal` reads it
            lines = b"".join(orjson.dumps(r, default=str) + b"\n" for r in records)
            return Response(lines, media_type="application/x-ndjson")
        return _json(records)

    async def outbox(request: Request) -> Response:
        q = request.query_params
        return _json([m.as_dict() for m in s.outbox.messages(q.get("api"), to=q.get("to"),
                                                              kind=q.get("kind"))])

    async def outbox_html(request: Request) -> Response:
        msg = s.outbox.get(int(request.path_params["msg_id"]))
        if msg is None:
            return stored_html("<h1>No such message</h1>", 404)
        return stored_html(msg.html)

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


def inbox_page(sandbox: Sandbox, selected: int | None = None, api: str | None = None) -> str:
    """The inspector: what would have been sent, newest first, the chosen one previewed."""
    s = sandbox.services
    every = s.outbox.messages(api)
    messages = list(reversed(every[-200:]))
    chosen = s.outbox.get(selected) if selected is not None else None
    if chosen is None and messages:
        chosen = messages[0]
    q = f"&api={escape(api)}" if api else ""
    rows = "".join(
        f"<tr class='msg{' sel' if chosen is m else ''}' data-id='{m.id}'>"
        f"<td><a href='/?m={m.id}{q}'>{escape(m.subject) or '(no subject)'}</a></td>"
        f"<td>{escape(m.to)}</td><td>{escape(m.api)}</td><td>{escape(m.kind)}</td>"
        f"<td>{escape(m.status)}</td></tr>"
        for m in messages)
    preview = "<p class='empty'>Nothing sent yet.</p>"
    if chosen is not None:
        history = ", ".join(f"{escape(st)} {escape(at)}" for st, at in chosen.history)
        preview = (
            f"<h2 id='subject'>{escape(chosen.subject)}</h2>"
            f"<p class='meta'>From <b>{escape(chosen.sender)}</b> to <b id='to'>"
            f"{escape(chosen.to)}</b> · {escape(chosen.channel)} · {history}</p>"
            f"<iframe id='preview' title='rendered message' sandbox "
            f"src='/_admin/outbox/{chosen.id}/html'></iframe>"
            f"<details><summary>Text part</summary><pre>{escape(chosen.text)}</pre></details>"
            f"<details><summary>Template</summary><pre>{escape(chosen.template)}</pre></details>")
    calls = "".join(
        f"<tr><td>{escape(e.api)}</td><td>{escape(e.method)} {escape(e.path)}</td>"
        f"<td>{escape(str(e.operation))}</td><td>{e.status}</td></tr>"
        for e in reversed(s.journal.entries()[-30:]))
    tabs = " ".join(
        f"<a href='/?api={escape(n)}'{' class=on' if api == n else ''}>{escape(a.api.title)}</a>"
        for n, a in sandbox.apps.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>mailmocks inbox</title>
<style>
body{{font-family:system-ui,sans-serif;margin:0;color:#222}}
header{{background:#233;color:#fff;padding:.6rem 1rem}} header a{{color:#cde;margin-right:1rem}}
header a.on{{color:#fff;font-weight:bold}} main{{display:flex;gap:1rem;padding:1rem}}
#list{{flex:1.2;min-width:30rem}} #view{{flex:1}} table{{border-collapse:collapse;width:100%}}
td:first-child{{max-width:16rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}}
td,th{{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;font-size:.9rem}}
tr.sel{{background:#eef6ff}} iframe{{width:100%;height:26rem;border:1px solid #ccc}}
.meta{{color:#555;font-size:.85rem}}
</style></head><body>
<header><b>mailmocks</b> · clock {iso(s.clock.now())}{' (frozen)' if s.clock.frozen else ''}
 · <a href="/"{'' if api else ' class=on'}>All</a> {tabs}</header>
<main><section id="list"><h2>Outbox ({len(every)}{
    f", newest {len(messages)} listed" if len(every) > len(messages) else ""})</h2>
<table id="outbox"><tr><th>subject</th><th>to</th><th>API</th><th>kind</th><th>status</th></tr>
{rows}</table>
<h2>Recent requests</h2><table id="journal"><tr><th>API</th><th>request</th><th>operation</th>
<th>status</th></tr>{calls}</table></section>
<section id="view">{preview}</section></main></body></html>"""
