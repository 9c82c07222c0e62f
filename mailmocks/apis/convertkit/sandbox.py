"""Sandbox-only routes: the confirmation link of a double-opt-in email
(docs/vendors/convertkit.md §4, §16). The real link lives on Kit's own site; here it is
`<base>/confirm/<token>`, and following it activates the subscriber.
"""
from __future__ import annotations

import functools
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .model import World, set_state


def routes(world: World) -> list[Any]:
    return [Route("/confirm/{token}", functools.partial(confirm_page, world), methods=["GET"])]


async def confirm_page(world: World, request: Request) -> HTMLResponse:
    """The link in a double-opt-in email: following it activates the subscriber."""
    found = world.confirmations.pop(request.path_params["token"], None)
    if found is None:
        return HTMLResponse("<h1>This confirmation link is not valid.</h1>", status_code=404)
    acct, sid = found
    s = acct.subscribers.get(sid)
    if s is None:
        return HTMLResponse("<h1>This subscriber no longer exists.</h1>", status_code=404)
    s.confirm_token = None
    set_state(world, acct, s, "active")
    return HTMLResponse(f"<h1>Subscription confirmed</h1><p>{escape(s.email)} is now active.</p>")
