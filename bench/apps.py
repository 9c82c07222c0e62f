"""The two ASGI apps under load, as uvicorn `--factory` targets.

Both are built inside the server process so the bench process never holds their state, and
both announce what uvicorn picked (event loop, HTTP parser) on stderr for the report.
"""
from __future__ import annotations

import asyncio
import sys
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# The line the bench reads back from each server's stderr (see servers.py).
RUNTIME_MARK = "bench-runtime:"


def _announce_runtime() -> None:
    # uvicorn calls the factory from Config.load() inside its running loop, so the loop we see
    # here is the one it serves on. With --http auto it uses AutoHTTPProtocol, resolved at
    # import time to httptools when installed, else h11.
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    try:
        loop = type(asyncio.get_running_loop())
        loop_name = f"{loop.__module__}.{loop.__name__}"
    except RuntimeError:
        loop_name = "unknown (factory called outside the loop)"
    print(f"{RUNTIME_MARK} loop={loop_name} http={AutoHTTPProtocol.__name__}",
          file=sys.stderr, flush=True)


def sandbox_app() -> Any:
    """The mailmocks sandbox serving ConvertKit, rate limiting off so we measure throughput,
    not the 429 path."""
    from mailmocks.sandbox import Sandbox

    box = Sandbox(["convertkit"])
    box.services.limiter.enabled = False
    _announce_runtime()
    return box


def strict_sandbox_app() -> Any:
    """As `sandbox_app`, every answer also checked against the contract (`serve --strict`)."""
    from mailmocks.sandbox import Sandbox

    box = Sandbox(["convertkit"], strict=True)
    box.services.limiter.enabled = False
    _announce_runtime()
    return box


# -- the bare baseline: the least work that still parses and serialises JSON --------------

def _page() -> dict[str, Any]:
    # Shaped and sized like a ConvertKit v3 subscribers page (50 subscribers, ~12 KB), built
    # once; each request still pays orjson serialisation, as the fake does.
    subscribers = [
        {
            "id": 50 + i,
            "first_name": f"First{i}",
            "email_address": f"first{i}.last{i}.{50 + i}@example.com",
            "state": "active",
            "created_at": "2024-01-04T15:00:00.000Z",
            "fields": {
                "last_name": f"Last{i}",
                "company": "Murray, Bennett and Rodriguez",
                "phone_number": "+1-567-959-6505",
                "favourite_colour": "teal",
            },
        }
        for i in range(50)
    ]
    return {"total_subscribers": 284, "page": 2, "total_pages": 6, "subscribers": subscribers}


def bare_app() -> Any:
    page = _page()
    counter = 0

    async def subscribe(request: Request) -> Response:
        nonlocal counter
        body = orjson.loads(await request.body())
        counter += 1
        reply = {"subscription": {"id": counter, "state": "active",
                                  "subscriber": {"email_address": body.get("email")}}}
        return Response(orjson.dumps(reply), media_type="application/json")

    async def get_page(request: Request) -> Response:
        return Response(orjson.dumps(page), media_type="application/json")

    _announce_runtime()
    return Starlette(routes=[Route("/subscribe", subscribe, methods=["POST"]),
                             Route("/page", get_page, methods=["GET"])])


def full_sandbox_app() -> Any:
    """Every API, as `mailmocks serve` builds it (limits on)."""
    from mailmocks.sandbox import Sandbox

    box = Sandbox()
    _announce_runtime()
    return box
