"""Thin real client for HighLevel API v2: Blogs and Emails (builder, schedule), and the
Email API v3 (templates, email campaigns, statistics).

Every request sends `Authorization: Bearer <token>` and the `Version` header (`v3` for the
Email API v3 paths, `/emails/locations/...`). Each operation
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
_V3 = "/emails/locations"  # the Email API v3, which takes `Version: v3` whatever the default

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
    """The 30 operations, in the order of the vendor's docs."""

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

    # Email API v3 (sent with `Version: v3`): templates
    def list_email_templates(self, location_id: str, **filters: Any) -> R:
        """filters: limit, offset, search, sort_by, sort_order, archived, folder_id, include.
        Answers `{"items": [...], "total", "traceId"}`."""
        query = _fields(filters)
        return self._send("GET", f"{_V3}/{location_id}/templates", query={
            k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()})

    def create_email_template(self, location_id: str, name: str, editor_type: str = "html",
                              **fields: Any) -> R:
        """fields: editor_content, parent_folder_id, subject_line, from_name, from_email,
        preview_text, user_id."""
        return self._send("POST", f"{_V3}/{location_id}/templates", body=_fields(
            {"name": name, "editor_type": editor_type, **fields}))

    def import_email_template(self, location_id: str, import_provider: str, import_url: str,
                              **fields: Any) -> R:
        """fields: name, parent_folder_id, user_id."""
        return self._send("POST", f"{_V3}/{location_id}/templates/import", body={
            "importProvider": import_provider, "importUrl": import_url, **_fields(fields)})

    def create_template_folder(self, location_id: str, name: str,
                               user_id: str | None = None) -> R:
        return self._send("POST", f"{_V3}/{location_id}/templates/folders",
                          body=_fields({"name": name, "user_id": user_id}))

    def get_email_template(self, location_id: str, template_id: str) -> R:
        return self._send("GET", f"{_V3}/{location_id}/templates/{template_id}")

    def update_email_template(self, location_id: str, template_id: str, **fields: Any) -> R:
        """fields: name, editor_content + editor_type, preview_text, subject_line, from_name,
        from_email, archived, parent_folder_id ("" sends null: back to the top level),
        user_id."""
        body = _fields(fields)
        if fields.get("parent_folder_id") == "":
            body["parentFolderId"] = None
        return self._send("PATCH", f"{_V3}/{location_id}/templates/{template_id}", body=body)

    def delete_email_template(self, location_id: str, template_id: str) -> R:
        return self._send("DELETE", f"{_V3}/{location_id}/templates/{template_id}")

    # Email API v3: campaigns
    def create_email_campaign(self, location_id: str, name: str, *, user_id: str,
                              time_zone: str = "UTC", editor_type: str = "html",
                              **fields: Any) -> R:
        """fields: template_id, editor_content, parent_folder_id, user_name."""
        return self._send("POST", f"{_V3}/{location_id}/campaigns/emails", body=_fields(
            {"name": name, "user_id": user_id, "time_zone": time_zone,
             "editor_type": editor_type, **fields}))

    def list_email_campaigns(self, location_id: str, **filters: Any) -> R:
        """filters: limit (1-20), offset, search, status."""
        return self._send("GET", f"{_V3}/{location_id}/campaigns/emails",
                          query=_fields(filters))

    def get_email_campaign(self, location_id: str, campaign_id: str) -> R:
        return self._send("GET", f"{_V3}/{location_id}/campaigns/emails/{campaign_id}")

    def update_email_campaign(self, location_id: str, campaign_id: str, **fields: Any) -> R:
        """fields: name, editor_content + editor_type, user_id (drafts only)."""
        return self._send("PATCH", f"{_V3}/{location_id}/campaigns/emails/{campaign_id}",
                          body=_fields(fields))

    def delete_campaign(self, location_id: str, campaign_id: str) -> R:
        return self._send("DELETE", f"{_V3}/{location_id}/campaigns/emails/{campaign_id}")

    def schedule_campaign(self, location_id: str, campaign_id: str, *, schedule_type: str,
                          email_meta: dict[str, Any], recipients: dict[str, Any],
                          user_id: str, time_zone: str = "UTC", **fields: Any) -> R:
        """`email_meta` and `recipients` are sent as given (camelCase keys); fields:
        schedule_config, rss_config, ab_test_config (dicts, camelCase inside), send_days,
        user_name."""
        return self._send(
            "POST", f"{_V3}/{location_id}/campaigns/emails/{campaign_id}/schedule",
            body=_fields({"schedule_type": schedule_type, "email_meta": email_meta,
                          "recipients": recipients, "user_id": user_id,
                          "time_zone": time_zone, **fields}))

    def list_workflow_campaigns(self, location_id: str, **filters: Any) -> R:
        """filters: limit (1-20), offset, search, status."""
        return self._send("GET", f"{_V3}/{location_id}/campaigns/workflows",
                          query=_fields(filters))

    def get_workflow_campaign(self, location_id: str, campaign_id: str) -> R:
        return self._send("GET", f"{_V3}/{location_id}/campaigns/workflows/{campaign_id}")

    def list_bulk_action_campaigns(self, location_id: str, **filters: Any) -> R:
        """filters: limit (1-20), offset, search, date_from, date_to, status."""
        return self._send("GET", f"{_V3}/{location_id}/campaigns/bulk-actions",
                          query=_fields(filters))

    def get_bulk_action_campaign(self, location_id: str, campaign_id: str) -> R:
        return self._send("GET", f"{_V3}/{location_id}/campaigns/bulk-actions/{campaign_id}")

    # Email API v3: statistics
    def get_campaign_stats(self, location_id: str, source: str, source_id: str,
                           sub_source_id: str | None = None) -> R:
        """source: email-campaigns, workflow-campaigns or bulk-actions."""
        return self._send("GET", f"{_V3}/{location_id}/campaigns/stats/{source}/{source_id}",
                          query=_fields({"sub_source_id": sub_source_id}))


class _Auth:
    """The two headers every HighLevel call carries."""

    token: str
    version: str

    def _headers(self, path: str) -> dict[str, str]:
        version = "v3" if path.startswith(_V3 + "/") else self.version  # the v3 spec's value
        return {"authorization": f"Bearer {self.token}", "version": version}


class HighLevel(_Operations[Any], _Auth, BaseClient):
    """Sync client. Extra keyword arguments go to `BaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *,
                 version: str = DEFAULT_VERSION, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.token, self.version = token, version


    def _send(self, method: str, path: str, *, query: Params | None = None,
              body: Any = None) -> Any:
        return parse_body(self._request(method, path, params=query, json=body))


class AsyncHighLevel(_Operations[Awaitable[Any]], _Auth, AsyncBaseClient):
    """Async client. Extra keyword arguments go to `AsyncBaseClient`."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *,
                 version: str = DEFAULT_VERSION, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.token, self.version = token, version


    async def _send(self, method: str, path: str, *, query: Params | None = None,
                    body: Any = None) -> Any:
        return parse_body(await self._request(method, path, params=query, json=body))


