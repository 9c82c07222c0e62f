"""ConvertKit's error bodies, worded as the vendor words them (§14).

Every error is `{"error": "<title>", "message": "<detail>"}`; the title is the vendor's word
for the status unless a named error below says otherwise. The 429 is plain text and is built
by the Api's `rate_limited` hook, not here. References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

from ...core import HttpError, json_reply

TITLES = {400: "Bad Request", 401: "Authorization Failed", 403: "Forbidden", 404: "Not Found",
          413: "Payload Too Large", 422: "Unprocessable Entity", 500: "Internal Server Error"}

# the 401 messages (§1.1, §14)
KEY_NOT_PRESENT = "API Key not present"
KEY_NOT_VALID = "API Key not valid"
NO_PERMISSION = "You do not have sufficient permissions to access this resource"


def error(status: int, message: str, **detail: Any) -> HttpError:
    """The vendor's error body; `title=` replaces the status's usual title."""
    title = detail.pop("title", None) or TITLES.get(status, "Error")
    if detail:
        raise TypeError(f"ConvertKit errors carry a title and a message only, not {sorted(detail)}")
    return HttpError(json_reply(status, {"error": title, "message": message}))


def not_found() -> HttpError:
    return error(404, "The entity you were trying to find doesn't exist")


def course_not_found() -> HttpError:
    return error(404, "", title="Course not found")  # the empty message is the vendor's (D-1)


def tag_not_found() -> HttpError:
    return error(404, "", title="Tag not found")


def unauthorized(message: str) -> HttpError:
    return error(401, message)


def unprocessable(message: str) -> HttpError:
    return error(422, message)


def missing_email() -> HttpError:
    return error(422, "Subscriber email is required", title="Missing parameter")


def invalid_email() -> HttpError:
    return error(422, "Email address is invalid", title="Error updating subscriber")


def missing_parameters(message: str) -> HttpError:
    """A purchase the docs' prose rules refuse (assumption D)."""
    return error(400, message, title="Your request is missing parameters")


def too_many_fields(limit: int) -> HttpError:
    return error(400, f"Too many custom fields: at most {limit} can be updated in one request")


def subscriber_limit() -> HttpError:
    return error(403, "This account has reached its plan's subscriber limit")  # assumption M


def already_sent() -> HttpError:
    return unprocessable("Broadcast has already been sent")  # assumption N


def malformed() -> HttpError:
    return error(400, "The request body is not valid JSON")  # assumption B


def too_large() -> HttpError:
    return error(413, "The request body is too large")  # assumption B


def internal() -> HttpError:
    return error(500, "Something went wrong")
