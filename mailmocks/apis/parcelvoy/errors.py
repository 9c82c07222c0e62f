"""Parcelvoy's errors, worded as the platform words them (docs/vendors/parcelvoy.md §2).

A RequestError answers `{"status": "error", "error": "<message>"}` with `"code": <n>` only
where the error defines one; anything else (bad JSON, a body over 1 MB, a TypeError, a
database failure) is the generic 400; an unknown route or a `ctx.throw(404)` is Koa's
`text/plain` `Not Found`. Each error is a function, so every raise gets its own reply.
"""
from __future__ import annotations

from typing import Any

from ...core import HttpError, json_reply, text_reply

GENERIC = "An error occurred with this request."


def error(status: int, message: str, **detail: Any) -> HttpError:
    """A RequestError's JSON body: `detail` adds fields such as `code=1000`."""
    return HttpError(json_reply(status, {"status": "error", "error": message, **detail}))


def generic() -> HttpError:
    """Anything that is not a RequestError: 400 with the production body."""
    return error(400, GENERIC)


def not_found() -> HttpError:
    """`ctx.throw(404)` and unknown routes: Koa's plain-text answer."""
    return HttpError(text_reply(404, "Not Found"))


def method_not_allowed(allowed: list[str]) -> HttpError:
    return HttpError(text_reply(405, "Method Not Allowed", {"allow": ", ".join(allowed)}))


def unprocessable(message: str) -> HttpError:
    """A validation failure: the first AJV error (ajv.py), never with a code."""
    return error(422, message)


# -- the coded errors (docs/vendors/parcelvoy.md §2.2) and the uncoded ones raised here -----
def unauthorized() -> HttpError:
    return error(401, "Authorization error.", code=1000)


def no_project() -> HttpError:
    return error(404, "The requested project does not exist.", code=6000)


def access_denied() -> HttpError:
    return error(403, "Access denied.", code=1007)


def role_required(role: str) -> HttpError:
    return error(403, f"Minimum project role {role} is required")


def campaign_finished() -> HttpError:
    return error(400, "The campaign has already finished and cannot be modified.", code=2001)


def no_journey() -> HttpError:
    return error(400, "The requested journey does not exist or you do not have access.",
                 code=9000)


def bad_step() -> HttpError:
    return error(400, "The request journey step is invalid", code=9001)


def no_subscription() -> HttpError:
    return error(404, "Unable to find associated subscription")
