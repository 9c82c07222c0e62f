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
        if spec is None:
            return _not_an_object()
        action = spec.get("action")
        if action not in ACTIONS:
            return _json({"error": f"action must be one of {', '.join(ACTIONS)}"}, 400)
        try:
            sent = emit(source, services, action, url=spec.get("url"), secret=spec.get("secret"),
                        data=spec.get("data"))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"payload": sent[0].payload,
                      "deliveries": [d.as_dict() for d in sent]}, 202)

    async def targets(request: Request) -> Response:
        if request.method == "POST":
            spec = await _body(request)
            if spec is None:
                return _not_an_object()
            try:
                return _json(source.add_target(spec.get("url"), spec.get("secret")).as_dict(),
                             201)
            except ValueError as exc:
                return _json({"error": str(exc)}, 400)
        return _json([t.as_dict() for t in source.targets.values()])

    async def target(request: Request) -> Response:
        tid = _id(request.path_params["target_id"])
        if tid is None or source.targets.pop(tid, None) is None:
            return _json({"error": "no such target"}, 404)
        return Response(status_code=204)

    async def deliveries(request: Request) -> Response:
        return _json([d.as_dict() for d in services.webhooks.deliveries(JOURNAL_NAME)])

    async def delivery(request: Request) -> Response:
        did = _id(request.path_params["delivery_id"])
        for d in services.webhooks.deliveries(JOURNAL_NAME):
            if d.id == did:
                return _json(d.as_dict())
        return _json({"error": "no such delivery"}, 404)

    return [
        Route(f"{PREFIX}/emit", emit_route, methods=["POST"]),
        Route(f"{PREFIX}/targets", targets, methods=["GET", "POST"]),
        Route(PREFIX + "/targets/{target_id}", target, methods=["DELETE"]),
        Route(f"{PREFIX}/deliveries", deliveries, methods=["GET"]),
        Route(PREFIX + "/deliveries/{delivery_id}", delivery, methods=["GET"]),
    ]


def _id(text: str) -> int | None:
    """A route id: ASCII digits, at most 18 of them (no '١', no 5000-digit number)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status, media_type="application/json")


def _not_an_object() -> Response:
    return _json({"error": "the body must be a JSON object"}, 400)


async def _body(request: Request) -> dict[str, Any] | None:
    """The JSON object sent (an empty body is {}), or None when it is no JSON object."""
    try:
        data = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None
