"""Thin real client for HighLevel API v2: Blogs and Emails (builder, schedule).

Every request sends `Authorization: Bearer <token>` and the `Version` header. Each operation
is one `_send(...)` line named after the contract's operationId; keyword arguments are
snake_case and become the API's camelCase names (`raw_html` -> `rawHTML`, `url_slug` ->
`urlSlug`); None is not sent. `HighLevel` (sync) and `AsyncHighLevel` differ only in how
`_send` performs the request. Methods return the parsed JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Generic, TypeVar

from .base import AsyncBaseClient, BaseClient, Params, parse_body

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_VERSION", "AsyncHighLevel", "HighLevel", "camel"]

DEFAULT_BASE_URL = "https://services.leadconnectorhq.com"
DEFAULT_VERSION = "2021-07-28"
_SPECIAL = {"raw_html": "rawHTML", "import_url": "importURL"}

R = TypeVar("R")  # the JSON (sync) or an awaitable of it (async)


def camel(name: str) -> str:
    """`image_alt_text` -> `imageAltText`; a trailing underscore dodges Python keywords."""
    name = name.removesuffix("_")
    if name in _SPECIAL:
        return _SPECIAL[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {camel(k): (list(v) if isinstance(v, tuple) else v)
            for k, v in values.items() if v is not None}


class _Operations(Generic[R]):
    """The 12 operations, in the order of the vendor's docs."""

    def _send(self, method: str, path: str, *, query: Params | None = None,
              body: Any = None) -> R:
        raise NotImplementedError

    # Blogs
    def get_blogs(self, location_id: str, *, skip: int = 0, limit: int = 10,
                  search_term: str | None = None) -> R:
        """Blog sites of a location (this endpoint pages with `skip`)."""
        return self._send("GET", "/blogs/site/all", query=_fields(
            {"location_id": location_id, "skip": skip, "limit": limit,
             "search_term": search_term}))

    def get_blog_posts(self, location_id: str, blog_id: str, *, limit: int = 10,
                       offset: int = 0, search_term: str | None = None,
                       status: str | None = None) -> R:
        return self._send("GET", "/blogs/posts/all", query=_fields(
            {"location_id": location_id, "blog_id": blog_id, "limit": limit, "offset": offset,
             "search_term": search_term, "status": status}))

    def create_blog_post(self, location_id: str, blog_id: str, *, title: str,
                         url_slug: str, **fields: Any) -> R:
        """fields: description, image_url, image_alt_text, raw_html, status, categories,
        tags, author, canonical_link, published_at (all required by the API but tags and
        canonical_link)."""
        return self._send("POST", "/blogs/posts", body=_fields(
            {"location_id": location_id, "blog_id": blog_id, "title": title,
             "url_slug": url_slug, **fields}))

    def update_blog_post(self, post_id: str, location_id: str | None = None,
                         **fields: Any) -> R:
        """Partial update; `raw_html` is applied only together with `word_count`."""
        return self._send("PUT", f"/blogs/posts/{post_id}",
                          body=_fields({"location_id": location_id, **fields}))

    def check_url_slug_exists(self, location_id: str, url_slug: str,
                              post_id: str | None = None) -> R:
        return self._send("GET", "/blogs/posts/url-slug-exists", query=_fields(
            {"location_id": location_id, "url_slug": url_slug, "post_id": post_id}))

    def get_all_categories_by_location(self, location_id: str, *, limit: int = 10,
                                       offset: int = 0) -> R:
        return self._send("GET", "/blogs/categories", query=_fields(
            {"location_id": location_id, "limit": limit, "offset": offset}))

    def get_all_blog_authors_by_location(self, location_id: str, *, limit: int = 10,
                                         offset: int = 0) -> R:
        return self._send("GET", "/blogs/authors", query=_fields(
            {"location_id": location_id, "limit": limit, "offset": offset}))

    # Emails: builder
    def fetch_template(self, location_id: str, **filters: Any) -> R:
        """filters: limit, offset, search, sort_by_date, archived, builder_version, name,
        parent_id, origin_id, templates_only."""
        query = _fields({"location_id": location_id, **filters})
        return self._send("GET", "/emails/builder", query={
            k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()})

    def create_template(self, location_id: str, type: str = "html", **fields: Any) -> R:
        """fields: title, name, updated_by, builder_version, parent_id, template_data_url,
        import_provider, import_url, template_source, is_plain_text. Answers
        `{"redirect": <template id>, "traceId"}`."""
        return self._send("POST", "/emails/builder", body=_fields(
            {"location_id": location_id, "type": type, **fields}))

    def update_template(self, location_id: str, template_id: str, *, updated_by: str,
                        html: str, editor_type: str = "html", **fields: Any) -> R:
        """fields: dnd (required for editor_type "builder"), preview_text, is_plain_text."""
        return self._send("POST", "/emails/builder/data", body=_fields(
            {"location_id": location_id, "template_id": template_id, "updated_by": updated_by,
             "html": html, "editor_type": editor_type, **fields}))

    def delete_template(self, location_id: str, template_id: str) -> R:
        return self._send("DELETE", f"/emails/builder/{location_id}/{template_id}")

    # Emails: schedule
    def fetch_campaigns(self, location_id: str, **filters: Any) -> R:
        """filters: limit, offset, status, email_status, name, parent_id, limited_fields,
        archived, campaigns_only, show_stats."""
        query = _fields({"location_id": location_id, **filters})
        return self._send("GET", "/emails/schedule", query={
            k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()})


class _Auth:
    """The two headers every HighLevel call carries."""

    token: str
    version: str

    def _auth_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", "version": self.version}


class HighLevel(_Operations[Any], _Auth, BaseClient):
    """Sync client. Extra keyword arguments go to `BaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *,
                 version: str = DEFAULT_VERSION, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.token, self.version = token, version

    def _encode(self, path: str, params: Params | None, json: Any
                ) -> tuple[str, dict[str, Any], bytes | None, dict[str, str]]:
        url, query, content, headers = super()._encode(path, params, json)
        return url, query, content, {**headers, **self._auth_headers()}

    def _send(self, method: str, path: str, *, query: Params | None = None,
              body: Any = None) -> Any:
        return parse_body(self._request(method, path, params=query, json=body))


class AsyncHighLevel(_Operations[Awaitable[Any]], _Auth, AsyncBaseClient):
    """Async client. Extra keyword arguments go to `AsyncBaseClient`."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *,
                 version: str = DEFAULT_VERSION, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.token, self.version = token, version

    def _encode(self, path: str, params: Params | None, json: Any
                ) -> tuple[str, dict[str, Any], bytes | None, dict[str, str]]:
        url, query, content, headers = super()._encode(path, params, json)
        return url, query, content, {**headers, **self._auth_headers()}

    async def _send(self, method: str, path: str, *, query: Params | None = None,
                    body: Any = None) -> Any:
        return parse_body(await self._request(method, path, params=query, json=body))


