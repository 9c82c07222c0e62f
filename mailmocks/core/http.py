"""Replies a handler or a pipeline step returns, and the exception that carries one."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.responses import HTMLResponse, Response

JSON = "application/json"

# Stored HTML (a rendered message, a saved template) is user data and may carry <script>.
# Served with these headers it runs in an opaque origin with no script at all, so it can never
# read the sandbox's own pages or its credentials; links in it still navigate.
STORED_HTML_HEADERS = {
    "content-security-policy": "sandbox; default-src 'none'; img-src * data:; "
                               "style-src * 'unsafe-inline'; font-src * data:",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def stored_html(html: str, status: int = 200) -> Response:
    """A response for HTML a user or a request stored: never runs on the sandbox's origin."""
    return HTMLResponse(html, status, headers=STORED_HTML_HEADERS)



NO_BODY: Any = object()  # an empty (or unparsed) request body, unlike a JSON `null`

@dataclass(slots=True)
class Reply:
    """What goes back to the client: status, body (JSON-able, str or bytes), headers.

    The body stays a Python value until the very end so strict mode can validate it
    against the contract before it is serialised.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = JSON

    @property
    def is_json(self) -> bool:
        return self.media_type is not None and "json" in self.media_type

    def render(self) -> bytes:
        if self.body is None or self.status in (204, 304):
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str) and not self.is_json:
            return self.body.encode()
        return orjson.dumps(self.body)

    def to_response(self, content: bytes | None = None) -> Response:
        if content is None:
            content = self.render()
        # an empty string is still a body of its type (Koa, Express: text/plain, length 0)
        has_body = bool(content) or (self.body is not None and self.status not in (204, 304))
        media = self.media_type if has_body else None
        return Response(content, status_code=self.status, headers=self.headers, media_type=media)


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, body, dict(headers or {}))


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, text, dict(headers or {}), "text/plain; charset=utf-8")


def no_content(status: int = 204, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, None, dict(headers or {}), None)


class HttpError(Exception):
    """Raised anywhere in the request path to answer with `reply` at once."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"{reply.status}: {reply.body!r}")
        self.reply = reply
