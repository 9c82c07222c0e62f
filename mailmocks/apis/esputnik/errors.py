"""eSputnik's error answers (docs/vendors/esputnik.md §9, D-1).

Every error is a plain-text message under its status, except the 401 of the security layer,
which is Spring's JSON error `{"timestamp", "status", "error", "message", "path"}`: `error()`
builds that body when it is given the `timestamp` and `path` details.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ...core import HttpError, Reply, text_reply

DUPLICATED = "Duplicated request"  # 409: the same body within a minute (D-8)
TOO_MANY = "Too many requests"  # 429 (D-7)
BAD_CREDENTIALS = "Bad credentials"  # 401 (D-1)


def error(status: int, message: str, **detail: Any) -> HttpError:
    """The vendor's answer for `status`: `message` as plain text, or, with Spring's
    `timestamp` and `path` as detail, Spring's JSON error body."""
    if not detail:
        return HttpError(text_reply(status, message))
    return HttpError(Reply(status, {"timestamp": detail.get("timestamp"), "status": status,
                                    "error": HTTPStatus(status).phrase, "message": message,
                                    "path": detail.get("path")}))


def bad_request(message: str) -> HttpError:
    return error(400, message)


def not_found(message: str) -> HttpError:
    return error(404, message)


def unauthorized(timestamp: str, path: str) -> HttpError:
    return error(401, BAD_CREDENTIALS, timestamp=timestamp, path=path)


def unsupported_media(ctype: str) -> HttpError:
    return error(415, f"Content type '{ctype}' not supported")


def duplicated() -> HttpError:
    return error(409, DUPLICATED)


def unknown_category(key: str) -> HttpError:
    return bad_request(f"Subscription category with key '{key}' not found")
