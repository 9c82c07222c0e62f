"""Sandbox-only routes beside the contract's: what a template or campaign would look like.

    GET /_sandbox/emails/preview/{templateId}    the saved HTML, rendered (previewUrl, D-10)
    GET /_sandbox/emails/download/{templateId}   the saved content as JSON (templateDownloadUrl)
    GET /_sandbox/emails/campaigns/{campaignId}  a v3 campaign's content (editorContentUrl)

Stored HTML is served sandboxed (`core.stored_html`). Billetto's routes
(/_sandbox/billetto/...) come from its own package, added by `HighLevelApi.extra_routes`.
"""
from __future__ import annotations

from html import escape
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core import STORED_HTML_HEADERS, Services, stored_html
from .model import CAMPAIGN_CONTENT_PATH, DOWNLOAD_PATH, PREVIEW_PATH, World


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status, media_type="application/json")


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

    return [
        Route(PREVIEW_PATH, preview, methods=["GET"]),
        Route(DOWNLOAD_PATH, download, methods=["GET"]),
        Route(CAMPAIGN_CONTENT_PATH, campaign_content, methods=["GET"]),
    ]
