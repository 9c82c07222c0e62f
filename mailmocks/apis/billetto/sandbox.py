"""Billetto's sandbox routes, served by the API that carries the source (under its prefix,
e.g. /highlevel/_sandbox/billetto/...):

    POST   /_sandbox/billetto/emit                  {action, url?, secret?, data?} -> 202
    GET    /_sandbox/billetto/targets               registered webhook targets
    POST   /_sandbox/billetto/targets               {url, secret?} -> 201
    DELETE /_sandbox/billetto/targets/{id}
    GET    /_sandbox/billetto/deliveries[/{id}]     what was sent and what the target said
"""
from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core import Services
from .payloads import ACTIONS
from .source import JOURNAL_NAME, Source, emit

PREFIX = "/_sandbox/billetto"


def routes(source: Source, services: Services) -> list[Route]:
    async def emit_route(request: Request) -> Response:
        spec = await _body(request)
        action = spec.get("action")
        if action not in ACTIONS:
            return _json({"error": f"action must be one of {', '.join(ACTIONS)}"}, 400)
        try:
            sent = emit(source, services, action, url=spec.get("url"), secret=spec.get("secret"),
                        data=spec.get("data") if isinstance(spec.get("data"), dict) else None)
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"payload": sent[0].payload,
                      "deliveries": [d.as_dict() for d in sent]}, 202)

    async def targets(request: Request) -> Response:
        if request.method == "POST":
            spec = await _body(request)
            if not isinstance(spec.get("url"), str) or not spec["url"].startswith("http"):
                return _json({"error": "url (http or https) is required"}, 400)
            return _json(source.add_target(spec["url"], spec.get("secret")).as_dict(), 201)
        return _json([t.as_dict() for t in source.targets.values()])

    async def target(request: Request) -> Response:
        if source.targets.pop(request.path_params["target_id"], None) is None:
            return _json({"error": "no such target"}, 404)
        return Response(status_code=204)

    async def deliveries(request: Request) -> Response:
        return _json([d.as_dict() for d in services.webhooks.deliveries(JOURNAL_NAME)])

    async def delivery(request: Request) -> Response:
        did = request.path_params["delivery_id"]
        for d in services.webhooks.deliveries(JOURNAL_NAME):
            if d.id == did:
                return _json(d.as_dict())
        return _json({"error": "no such delivery"}, 404)

    return [
        Route(f"{PREFIX}/emit", emit_route, methods=["POST"]),
        Route(f"{PREFIX}/targets", targets, methods=["GET", "POST"]),
        Route(PREFIX + "/targets/{target_id:int}", target, methods=["DELETE"]),
        Route(f"{PREFIX}/deliveries", deliveries, methods=["GET"]),
        Route(PREFIX + "/deliveries/{delivery_id:int}", delivery, methods=["GET"]),
    ]


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status, media_type="application/json")


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
