"""Sandbox-only routes beside the contract's: template previews and the Billetto emitter.

    GET    /_sandbox/emails/preview/{templateId}    the saved HTML, rendered (previewUrl)
    GET    /_sandbox/emails/download/{templateId}   the saved content as JSON
    POST   /_sandbox/billetto/emit                  {action, url?, secret?, data?} -> 202
    GET    /_sandbox/billetto/targets               registered webhook targets
    POST   /_sandbox/billetto/targets               {url, secret?} -> 201
    DELETE /_sandbox/billetto/targets/{id}
    GET    /_sandbox/billetto/deliveries[/{id}]     what was sent and what the target said
"""
from __future__ import annotations

from html import escape
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core import Services, stored_html
from ...core.http import STORED_HTML_HEADERS
from ...core.webhooks import Delivery
from .billetto import ACTIONS, SIGNATURE_HEADER, USER_AGENT, Payloads, sign
from .state import BillettoTarget, World


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status, media_type="application/json")


def emit(world: World, services: Services, action: str, *, url: str | None = None,
         secret: str | None = None, data: dict[str, Any] | None = None) -> list[Delivery]:
    """Build one Billetto event and send it, signed, to `url` or every registered target.

    Deliveries are jobs (drained in tests, run by the ticker when served); each attempt and
    the target's answer is journaled under the api name `billetto`.
    """
    targets = ([BillettoTarget(0, url, secret or world.billetto_secret)] if url
               else list(world.billetto_targets.values()))
    if not targets:
        raise ValueError("no target: pass a url or register one at /_sandbox/billetto/targets")
    payload = Payloads(world.billetto_events, world.seed + len(services.webhooks.deliveries(
        "billetto"))).build(action, services.clock.now(), data)
    out = []
    for target in targets:
        def signer(body: bytes, key: str = target.secret) -> dict[str, str]:
            return {SIGNATURE_HEADER: sign(body, key, int(services.clock.now()))}
        out.append(services.webhooks.send(api="billetto", event=action, url=target.url,
                                          payload=payload, sign=signer,
                                          headers={"user-agent": USER_AGENT}))
    return out


def routes(world: World, services: Services) -> list[Route]:
    async def preview(request: Request) -> Response:
        found = world.template(request.path_params["template_id"])
        if found is None:
            return stored_html("<h1>Template not found</h1>", 404)
        template = found[1]
        html = template.html or (f"<!doctype html><title>{escape(template.name)}</title>"
                                 f"<p>This template has no content yet.</p>")
        return stored_html(html)

    async def download(request: Request) -> Response:
        found = world.template(request.path_params["template_id"])
        if found is None:
            return _json({"statusCode": 404, "message": "Not Found"}, 404)
        t = found[1]
        return _json({"id": t.id, "name": t.name, "html": t.html, "dnd": t.dnd,
                      "editorType": t.editor_type, "previewText": t.preview_text})

    async def campaign_content(request: Request) -> Response:
        campaign_id = request.path_params["campaign_id"]
        for loc in world.locations.values():
            c = loc.campaigns.by("id", campaign_id)
            if c is not None:
                if c.editor_type == "text":
                    return Response(c.content, media_type="text/plain",
                                    headers=STORED_HTML_HEADERS)
                return stored_html(c.content)
        return stored_html("<h1>Campaign not found</h1>", 404)

    async def emit_route(request: Request) -> Response:
        spec = await _body(request)
        action = spec.get("action")
        if action not in ACTIONS:
            return _json({"error": f"action must be one of {', '.join(ACTIONS)}"}, 400)
        try:
            sent = emit(world, services, action, url=spec.get("url"), secret=spec.get("secret"),
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
            tid = max(world.billetto_targets, default=0) + 1
            target = BillettoTarget(tid, spec["url"], spec.get("secret") or world.billetto_secret)
            world.billetto_targets[tid] = target
            return _json(vars_of(target), 201)
        return _json([vars_of(t) for t in world.billetto_targets.values()])

    async def target(request: Request) -> Response:
        tid = request.path_params["target_id"]
        if world.billetto_targets.pop(tid, None) is None:
            return _json({"error": "no such target"}, 404)
        return Response(status_code=204)

    async def deliveries(request: Request) -> Response:
        return _json([d.as_dict() for d in services.webhooks.deliveries("billetto")])

    async def delivery(request: Request) -> Response:
        did = request.path_params["delivery_id"]
        for d in services.webhooks.deliveries("billetto"):
            if d.id == did:
                return _json(d.as_dict())
        return _json({"error": "no such delivery"}, 404)

    return [
        Route("/_sandbox/emails/preview/{template_id}", preview, methods=["GET"]),
        Route("/_sandbox/emails/download/{template_id}", download, methods=["GET"]),
        Route("/_sandbox/emails/campaigns/{campaign_id}", campaign_content, methods=["GET"]),
        Route("/_sandbox/billetto/emit", emit_route, methods=["POST"]),
        Route("/_sandbox/billetto/targets", targets, methods=["GET", "POST"]),
        Route("/_sandbox/billetto/targets/{target_id:int}", target, methods=["DELETE"]),
        Route("/_sandbox/billetto/deliveries", deliveries, methods=["GET"]),
        Route("/_sandbox/billetto/deliveries/{delivery_id:int}", delivery, methods=["GET"]),
    ]


def vars_of(target: BillettoTarget) -> dict[str, Any]:
    return {"id": target.id, "url": target.url, "secret": target.secret}


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
