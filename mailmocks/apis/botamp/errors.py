"""Botamp's error bodies: `{"error": "<message>"}` for every status, and the messages the
fake uses, by name (docs/vendors/botamp.md D-2, D-3 and assumptions A-H)."""
from __future__ import annotations

from typing import Any

from ...core import HttpError, json_reply

MAX_BATCH = 1000  # subscribers in one create_or_update_many request (D-6)

# -- the messages, worded as decided (D-2, D-3; assumptions A-H) --------------------------
UNAUTHORIZED = "Unauthorized"
EMAIL_REQUIRED = "Email is required"
EMAIL_INVALID = "Email is invalid"
EMAIL_UNKNOWN = "Email does not exist"
BIRTHDAY_FORMAT = "Birthday must use the yyyy-mm-dd format"
EMPTY_BATCH = "Subscribers must be a non-empty list"
BATCH_TOO_BIG = f"Too many subscribers in one request (max {MAX_BATCH})"
DUPLICATE = "Duplicate email (only the first occurrence is used)"
NOT_JSON = "Request body is not valid JSON"
TOO_LARGE = "Request body is too large"
NOT_FOUND = "Not Found"
INTERNAL = "Internal Server Error"


def error(status: int, message: str, **detail: Any) -> HttpError:
    """Botamp's answer for `status`: `{"error": message}` (any `detail` keys beside it)."""
    return HttpError(json_reply(status, {"error": message, **detail}))


def unauthorized() -> HttpError:
    return error(401, UNAUTHORIZED)


def field_invalid(name: str) -> str:
    """Rails' wording: `job_title` -> "Job title is invalid" (assumption D)."""
    return f"{name.replace('_', ' ').capitalize()} is invalid"


class Rejected(Exception):
    """A subscriber that cannot be applied; `message` is the vendor's reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
