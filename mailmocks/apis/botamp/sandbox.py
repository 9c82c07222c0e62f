"""Sandbox control beside the vendor API, under /botamp/_sandbox/ (assumption I of
docs/vendors/botamp.md): what the owner does in the web app, and a read-back of the state
the vendor API offers no way to read."""
from __future__ import annotations

import functools
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .errors import NOT_FOUND, NOT_JSON
from .model import Account, World

PATHS = ("POST /botamp/_sandbox/regenerate_key", "GET /botamp/_sandbox/subscribers",
         "GET /botamp/_sandbox/batches")


def routes(world: World) -> list[Route]:
    return [
        Route("/_sandbox/regenerate_key", functools.partial(regenerate_key, world),
              methods=["POST"]),
        Route("/_sandbox/subscribers", functools.partial(subscribers, world), methods=["GET"]),
        Route("/_sandbox/batches", functools.partial(batches, world), methods=["GET"]),
    ]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _chosen(world: World, wanted: Any) -> Account | None:
    """`?account_id=` (or the body's), else the first account."""
    return world.default if wanted is None else world.account(wanted)


async def regenerate_key(world: World, request: Request) -> JSONResponse:
    """What the owner does under "Advanced Options": a new key, the old one dead at once."""
    wanted: Any = request.query_params.get("account_id")
    raw = await request.body()
    if raw.strip():
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return _error(400, NOT_JSON)
        if isinstance(parsed, dict) and parsed.get("account_id") is not None:
            wanted = parsed["account_id"]
    account = _chosen(world, wanted)
    if account is None:
        return _error(404, NOT_FOUND)
    with account.lock:
        key = world.regenerate_key(account)
    return JSONResponse({"account_id": account.id, "api_key": key})


async def subscribers(world: World, request: Request) -> JSONResponse:
    """The stored subscribers (the vendor API has no read endpoint)."""
    account = _chosen(world, request.query_params.get("account_id"))
    if account is None:
        return _error(404, NOT_FOUND)
    email = request.query_params.get("email")
    with account.lock:
        if email is not None:
            found = account.subscribers.by("email", email.strip().lower())
            rows = [found.as_dict()] if found else []
        else:
            rows = [s.as_dict() for s in account.subscribers]
    return JSONResponse({"account_id": account.id, "total": len(rows), "subscribers": rows})


async def batches(world: World, request: Request) -> JSONResponse:
    """Every batch accepted, pending or done, with its outcome."""
    account = _chosen(world, request.query_params.get("account_id"))
    if account is None:
        return _error(404, NOT_FOUND)
    return JSONResponse({"account_id": account.id,
                         "batches": [b.as_dict() for b in account.batches]})
