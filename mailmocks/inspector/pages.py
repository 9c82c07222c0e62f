"""The inspector's pages: Home, Inbox, Requests, State, Controls and the control API's docs.

Server-rendered with Jinja2 (autoescape on: every stored value is text, never markup), one
small script and one stylesheet served from this package. Message HTML is shown only in a
sandboxed iframe whose source is served with `Content-Security-Policy: sandbox`.
"""
from __future__ import annotations

import re
import secrets
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import jinja2
import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from .. import admin
from ..core import Message
from ..guard import SESSION_COOKIE, TOKEN_HEADER, session_token
from . import snippets, state

if TYPE_CHECKING:
    from ..sandbox import Sandbox

HERE = Path(__file__).parent
# path heads the sandbox hands to these pages (besides /_admin)
PAGE_HEADS = frozenset({"", "inbox", "requests", "state", "controls", "_static"})
# The pages run only their own script; stored data can never run; nobody frames them.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data:; frame-src 'self'; connect-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
PAGE_HEADERS = {"content-security-policy": PAGE_CSP, "x-content-type-options": "nosniff",
                "referrer-policy": "no-referrer", "cache-control": "no-store"}
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
STATIC = {p.name: p for p in (HERE / "static").iterdir() if p.suffix in STATIC_TYPES}
STATIC_BYTES = {name: p.read_bytes() for name, p in STATIC.items()}  # read once
LIFECYCLE = ("delivered", "opened", "clicked", "bounced")
PAGE_SIZE = 50
PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def pretty(value: Any) -> str:
    """JSON pretty-printed (a string holding JSON too); other text as it is."""
    if isinstance(value, str):
        text: str = value
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    if value is None:
        return ""
    return orjson.dumps(value, default=str,
                        option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=True, trim_blocks=True, lstrip_blocks=True)
ENV.filters["pretty"] = pretty


def _int(raw: str | None, default: int | None = None, top: int = 10**12) -> int | None:
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 13:
        return min(int(raw), top)
    return default


def replay_curl(base: str, record: dict[str, Any]) -> str:
    """A curl repeating a journaled request (secrets stay redacted: put your key back)."""
    url = f"{base}/{record['api']}{record['path']}"  # journaled paths are the API's own
    if record.get("query"):
        url += "?" + urlencode(record["query"])
    parts = ["curl", "-sS", "-X", record.get("method") or "GET", shlex.quote(url)]
    for name, value in (record.get("request_headers") or {}).items():
        if name in ("content-type", "authorization", "accept", "version") or \
                name.startswith("x-") and name != TOKEN_HEADER:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = record.get("request_body")
    if body not in (None, ""):
        text = body if isinstance(body, str) else orjson.dumps(body).decode()
        parts += ["--data-raw", shlex.quote(text)]
    return " ".join(parts)


def _norm(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def message_actions(sandbox: Sandbox, msg: Message) -> list[str]:
    """The vendor's own sandbox POST routes about this message: a route with one path
    parameter named like one of the message's meta keys (eSputnik's
    /_sandbox/sends/{request_id}/status and the message's requestId)."""
    app = sandbox.apps.get(msg.api)
    if app is None:
        return []
    meta = {_norm(k): v for k, v in msg.meta.items() if isinstance(v, str | int)}
    found = []
    for r in state.sandbox_routes(app):
        params = PATH_PARAM.findall(r["path"])
        if r["method"] == "POST" and len(params) == 1 and _norm(params[0]) in meta:
            value = quote(str(meta[_norm(params[0])]), safe="")
            found.append(PATH_PARAM.sub(value, r["path"]))
    return found


def named_addresses(value: Any, found: list[str] | None = None) -> list[str]:
    """Email addresses a request body names (at most 3): links to the records it touched."""
    found = [] if found is None else found
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value[:50]:
            named_addresses(item, found)
    elif isinstance(value, str) and "@" in value and len(value) < 200 and value not in found \
            and len(found) < 3:
        found.append(value)
    return found


def live_mark(sandbox: Sandbox) -> str:
    """What a live list showed, as its script compares it with GET /_admin's counters."""
    s = sandbox.services
    messages, entries = s.outbox.messages(), s.journal.entries()
    return "/".join(str(n) for n in (messages[-1].id if messages else 0,
                                     entries[-1].id if entries else 0, len(s.outbox),
                                     len(s.journal)))


def page_routes(sandbox: Sandbox) -> list[BaseRoute]:
    s = sandbox.services

    def render(request: Request, template: str, **context: Any) -> Response:
        session = request.cookies.get(SESSION_COOKIE)
        fresh = not session or len(session) > 100
        if fresh:
            session = secrets.token_urlsafe(24)
        assert session is not None
        html = ENV.get_template(template).render(
            request=request, token=session_token(sandbox.session_secret, session),
            clock=admin.clock_dict(sandbox), apps=sandbox.apps, path=request.url.path,
            mark=live_mark(sandbox),
            **context)
        response = HTMLResponse(html, headers=PAGE_HEADERS)
        if fresh:
            response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict")
        return response

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def home(request: Request) -> Response:
        status = admin.status_dict(sandbox)
        cards = []
        for name, app in sandbox.apps.items():
            cards.append({"name": name, **status["apis"][name],
                          "snippet": snippets.choose(app.api, app.world, base(request))})
        return render(request, "home.html", cards=cards, status=status, base=base(request))

    async def inbox(request: Request) -> Response:
        q = request.query_params
        filters = {k: q.get(k, "") for k in ("api", "channel", "to", "kind", "status", "q")}
        every = admin.matching_messages(sandbox, filters)
        shown = list(reversed(every[-200:]))
        chosen = s.outbox.get(_int(q.get("m"), 0) or 0)
        if chosen is None and shown and not q.get("partial"):
            chosen = shown[0]
        context = {"messages": shown, "total": len(every), "filters": filters,
                   "chosen": chosen, "lifecycle": LIFECYCLE,
                   "vendor_actions": message_actions(sandbox, chosen) if chosen else [],
                   "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
                   "channels": sorted({m.channel for m in s.outbox.messages()}),
                   "kinds": sorted({m.kind for m in s.outbox.messages() if m.kind})}
        if q.get("partial"):
            return render(request, "inbox_list.html", **context)
        return render(request, "inbox.html", **context)

    async def requests(request: Request) -> Response:
        q = request.query_params
        filters: dict[str, Any] = {"api": q.get("api", ""), "operation": q.get("operation", ""),
                                   "status": _int(q.get("status")),
                                   "violations": q.get("violations") in ("1", "true", "on")}
        records = admin.matching_records(sandbox, {**filters, "limit": 200})
        shown = list(reversed(records))
        wanted = _int(q.get("e"))
        chosen = None
        if wanted is not None:
            entry = next((e for e in s.journal.entries() if e.id == wanted), None)
            if entry is not None:
                chosen = admin.journal_record(entry.as_dict(s.journal.redact))
        operations = sorted({e.operation for e in s.journal.entries() if e.operation})
        query = "&".join(f"{k}={v if not isinstance(v, bool) else 1}"
                         for k, v in filters.items() if v not in ("", None, False))
        context = {"records": shown, "filters": filters, "chosen": chosen,
                   "addresses": named_addresses(chosen["request_body"]) if chosen else [],
                   "operations": operations, "query": query,
                   "curl": replay_curl(base(request), chosen) if chosen else ""}
        if q.get("partial"):
            return render(request, "requests_list.html", **context)
        return render(request, "requests.html", **context)

    async def state_page(request: Request) -> Response:
        q = request.query_params
        api = q.get("api") or next(iter(sandbox.apps))
        if api not in sandbox.apps:
            return render(request, "state.html", api=None, tables={}, table=None)
        text = q.get("q", "")[:1000]
        found = {n: state.matching(rows, text)
                 for n, rows in state.tables(sandbox.apps[api].world).items()}
        # searching (a message's recipient): the first table that holds it
        first = next((n for n, rows in found.items() if rows), "") if text else ""
        name = q.get("table") or first or next(iter(found), "")
        offset = _int(q.get("offset"), 0) or 0
        table = state.page(name, found[name], offset, PAGE_SIZE) if name in found else None
        return render(request, "state.html", api=api, tables=found, table=table,
                      size=PAGE_SIZE, text=text)

    async def controls(request: Request) -> Response:
        status = admin.status_dict(sandbox)
        return render(request, "controls.html", status=status,
                      faults=[f.as_dict() for f in s.faults.list()],
                      jobs=[admin.job_dict(j) for j in s.jobs.pending()],
                      operations={n: sorted(a.api.contract.operations)
                                  for n, a in sandbox.apps.items()})

    async def docs(request: Request) -> Response:
        return render(request, "docs.html", doc=admin.AdminContract.of(sandbox).contract.document)

    async def static(request: Request) -> Response:
        file = STATIC.get(request.path_params["name"])
        if file is None:
            return Response("Not Found", 404, media_type="text/plain")
        return Response(STATIC_BYTES[file.name], media_type=STATIC_TYPES[file.suffix],
                        headers={"x-content-type-options": "nosniff",
                                 "cache-control": "no-cache"})

    return [Route("/", home), Route("/inbox", inbox), Route("/requests", requests),
            Route("/state", state_page), Route("/controls", controls),
            Route("/_admin/docs", docs), Route("/_static/{name}", static)]
