"""eSputnik error answers (docs/vendors/esputnik.md §9, D-1): plain text under the status,
Spring's JSON for the security layer's 401."""
from __future__ import annotations

from mailmocks.apis.esputnik.errors import duplicated, error, unauthorized


def test_an_error_is_plain_text_under_its_status() -> None:
    reply = error(404, "Contact with id='7' not found").reply
    assert (reply.status, reply.body) == (404, "Contact with id='7' not found")
    assert reply.media_type is not None and reply.media_type.startswith("text/plain")
    assert (duplicated().reply.status, duplicated().reply.body) == (409, "Duplicated request")


def test_with_spring_details_it_is_springs_json_error() -> None:
    reply = unauthorized("2026-01-02T03:04:05Z", "/api/v1/account/info").reply
    assert reply.status == 401 and reply.is_json
    assert reply.body == {"timestamp": "2026-01-02T03:04:05Z", "status": 401,
                          "error": "Unauthorized", "message": "Bad credentials",
                          "path": "/api/v1/account/info"}
    assert list(reply.body) == ["timestamp", "status", "error", "message", "path"]
