"""Sandbox control routes beside the contract (served at /esputnik/_sandbox/...).

What the real service shows only in its web UI: the events stored per contact, the orders,
every send with its rendered HTML, and the later READ/CLICKED statuses a recipient causes.
Also the vendor's tolerance of a trailing slash on every API path.

    GET  /_sandbox/events?orgId=&contactId=&eventTypeKey=
    GET  /_sandbox/orders?orgId=
    GET  /_sandbox/sends?orgId=&requestId=
    POST /_sandbox/sends/{requestId}/status   {"status": "READ" | "CLICKED"}
"""
from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from ...core import Services, iso
from .model import Org, World


def _without_slash(scope: Scope) -> Scope:
    child = dict(scope)
    child["path"] = scope["path"].rstrip("/") or "/"
    child["raw_path"] = child["path"].encode()
    child.pop("endpoint", None)
    child.pop("path_params", None)
    return child


class _RouteAgain:
    """An ASGI app (not a request handler): hands the request back to the router."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["router"](_without_slash(scope), receive, send)


class TrailingSlash(Route):
    """Clients call both `contacts` and `contacts/` (the Python SDK always adds the slash):
    the real server answers both, so a path with a trailing slash is routed again without
    it. Registered after the contract's routes, it claims only paths that match none of them
    and that do match without the slash (so Starlette never redirects to it)."""

    def __init__(self) -> None:
        super().__init__("/api/{rest:path}/", _RouteAgain())

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        router = scope.get("router")
        if match == Match.NONE or router is None:
            return match, child
        bare = _without_slash(scope)
        if any(r.matches(bare)[0] != Match.NONE for r in router.routes if r is not self):
            return match, child
        return Match.NONE, {}


FOLLOW_UPS = {"READ": {"DELIVERED"}, "CLICKED": {"DELIVERED", "READ"}}


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _orgs(world: World, request: Request) -> list[Org]:
    wanted = request.query_params.get("orgId")
    return [o for o in world.orgs.values() if wanted in (None, "", str(o.id))]


def routes(world: World, services: Services) -> list[Route]:
    async def events(request: Request) -> Response:
        q = request.query_params
        out = [{"orgId": org.id, "id": e.id, "eventTypeKey": e.type_key,
                "keyValue": e.key_value, "contactId": e.contact_id, "params": e.params,
                "occurred": iso(e.occurred), "version": e.version}
               for org in _orgs(world, request) for e in org.events
               if q.get("contactId") in (None, "", str(e.contact_id))
               and q.get("eventTypeKey") in (None, "", e.type_key)]
        return _json({"events": out})

    async def orders(request: Request) -> Response:
        out = [{"orgId": org.id, "externalOrderId": o.external_order_id,
                "contactId": o.contact_id, "created": iso(o.created),
                "updated": iso(o.updated), "order": o.data}
               for org in _orgs(world, request) for o in org.orders.values()]
        return _json({"orders": out})

    async def sends(request: Request) -> Response:
        wanted = request.query_params.get("requestId")
        out = []
        for org in _orgs(world, request):
            for s in org.sends.values():
                if wanted not in (None, "", s.request_id):
                    continue
                msg = services.outbox.get(s.outbox_id)
                out.append({"orgId": org.id, "requestId": s.request_id, "channel": s.channel,
                            "to": s.to, "contactId": s.contact_id, "status": s.status,
                            "externalRequestId": s.external_request_id,
                            "subject": msg.subject if msg else None,
                            "html": msg.html if msg else None,
                            "text": msg.text if msg else None,
                            "error": msg.meta.get("error") if msg else None,
                            "history": msg.history if msg else []})
        return _json({"sends": out})

    async def set_status(request: Request) -> Response:
        rid = request.path_params["request_id"]
        try:
            status = orjson.loads(await request.body()).get("status")
        except (orjson.JSONDecodeError, AttributeError):
            status = None
        if status not in FOLLOW_UPS:
            return _json({"error": "status must be READ or CLICKED"}, 400)
        for org in world.orgs.values():
            send = org.sends.get(rid)
            if send is None:
                continue
            if send.channel == "sms" or send.status not in FOLLOW_UPS[status]:
                return _json({"error": f"a {send.channel} send in {send.status} cannot become "
                                       f"{status}"}, 409)
            send.status = status
            msg = services.outbox.get(send.outbox_id)
            if msg is not None:
                services.outbox.mark(msg, status)
            return _json({"requestId": rid, "status": status})
        return _json({"error": f"no send {rid}"}, 404)

    return [Route("/_sandbox/events", events, methods=["GET"]),
            Route("/_sandbox/orders", orders, methods=["GET"]),
            Route("/_sandbox/sends", sends, methods=["GET"]),
            Route("/_sandbox/sends/{request_id}/status", set_status, methods=["POST"]),
            TrailingSlash()]
