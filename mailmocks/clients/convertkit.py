"""Thin real client for ConvertKit ("Kit") API v3.

Each operation is written once, in `_Operations`, as one `_send(...)` line that reads like the
endpoint index of the vendor's docs: method, path, which credential it needs, its parameters.
`ConvertKit` (sync) and `AsyncConvertKit` differ only in how `_send` performs the request,
so the async methods return awaitables of the same values.

v3 has no header auth: the credential is a parameter. GET/DELETE put it and the filters in the
query string; POST/PUT send one JSON body holding the credential and the data. Parameters left
as None are not sent. Methods return the parsed JSON, or None for an empty (204) response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

from .base import AsyncBaseClient, BaseClient, apaginate, paginate, parse_body

__all__ = ["DEFAULT_BASE_URL", "AsyncConvertKit", "ConvertKit"]

DEFAULT_BASE_URL = "https://api.convertkit.com"

Credential = Literal["api_key", "api_secret"]
KEY: Credential = "api_key"  # accepts the public key, or the secret in its place
SECRET: Credential = "api_secret"  # accepts only the secret

R = TypeVar("R")  # what an operation returns: the JSON (sync) or an awaitable of it (async)


class _Operations(Generic[R]):
    """ConvertKit v3 operations, named after the contract's operationIds."""

    api_key: str | None
    api_secret: str | None

    def _send(self, method: str, path: str, credential: Credential, /, **params: Any) -> R:
        raise NotImplementedError

    def _place(
        self, method: str, credential: Credential, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(query, json body) for this call: the credential goes wherever the data goes."""
        # Any endpoint that takes the public key also takes the secret, so fall back to it.
        name, value = (
            (KEY, self.api_key) if credential == KEY and self.api_key else (SECRET, self.api_secret)
        )
        # A trailing underscore dodges Python keywords: from_ -> from.
        data = {k.removesuffix("_"): v for k, v in params.items() if v is not None}
        if value is not None:
            data[name] = value
        return (data, None) if method in ("GET", "DELETE") else (None, data)

    # Account
    def get_account(self) -> R:
        return self._send("GET", "/v3/account", SECRET)

    # Forms
    def list_forms(self) -> R:
        return self._send("GET", "/v3/forms", KEY)

    def list_subscription_forms(self) -> R:
        """Undocumented; the official WordPress library calls it (legacy id -> form id)."""
        return self._send("GET", "/v3/subscription_forms", KEY)

    def add_subscriber_to_form(
        self,
        form_id: int,
        email: str,
        first_name: str | None = None,
        fields: Mapping[str, Any] | None = None,
        tags: Sequence[int] | None = None,
    ) -> R:
        return self._send(
            "POST", f"/v3/forms/{form_id}/subscribe", KEY,
            email=email, first_name=first_name, fields=fields, tags=_list(tags),
        )  # fmt: skip

    def list_form_subscriptions(
        self,
        form_id: int,
        page: int | None = None,
        sort_order: str | None = None,
        subscriber_state: str | None = None,
    ) -> R:
        return self._send(
            "GET", f"/v3/forms/{form_id}/subscriptions", SECRET,
            page=page, sort_order=sort_order, subscriber_state=subscriber_state,
        )  # fmt: skip

    # Sequences (legacy name "courses"; /v3/sequences is the documented alias)
    def list_sequences(self) -> R:
        return self._send("GET", "/v3/sequences", KEY)

    def add_subscriber_to_sequence(
        self,
        sequence_id: int,
        email: str,
        first_name: str | None = None,
        fields: Mapping[str, Any] | None = None,
        tags: Sequence[int] | None = None,
    ) -> R:
        return self._send(
            "POST", f"/v3/sequences/{sequence_id}/subscribe", KEY,
            email=email, first_name=first_name, fields=fields, tags=_list(tags),
        )  # fmt: skip

    def list_sequence_subscriptions(
        self,
        sequence_id: int,
        page: int | None = None,
        sort_order: str | None = None,
        subscriber_state: str | None = None,
    ) -> R:
        return self._send(
            "GET", f"/v3/sequences/{sequence_id}/subscriptions", SECRET,
            page=page, sort_order=sort_order, subscriber_state=subscriber_state,
        )  # fmt: skip

    # Tags
    def list_tags(self) -> R:
        return self._send("GET", "/v3/tags", KEY)

    def create_tags(self, name: str | Sequence[str]) -> R:
        """One name -> `{"tag": {"name": ...}}`; several -> `{"tag": [{"name": ...}, ...]}`."""
        tag = {"name": name} if isinstance(name, str) else [{"name": n} for n in name]
        return self._send("POST", "/v3/tags", KEY, tag=tag)

    def tag_subscriber(
        self,
        tag_id: int,
        email: str,
        first_name: str | None = None,
        fields: Mapping[str, Any] | None = None,
        tags: Sequence[int] | None = None,
    ) -> R:
        return self._send(
            "POST", f"/v3/tags/{tag_id}/subscribe", KEY,
            email=email, first_name=first_name, fields=fields, tags=_list(tags),
        )  # fmt: skip

    def remove_tag_from_subscriber(self, subscriber_id: int, tag_id: int) -> R:
        return self._send("DELETE", f"/v3/subscribers/{subscriber_id}/tags/{tag_id}", SECRET)

    def remove_tag_from_subscriber_by_email(self, tag_id: int, email: str) -> R:
        return self._send("POST", f"/v3/tags/{tag_id}/unsubscribe", SECRET, email=email)

    def list_tag_subscriptions(
        self,
        tag_id: int,
        page: int | None = None,
        sort_order: str | None = None,
        subscriber_state: str | None = None,
    ) -> R:
        return self._send(
            "GET", f"/v3/tags/{tag_id}/subscriptions", SECRET,
            page=page, sort_order=sort_order, subscriber_state=subscriber_state,
        )  # fmt: skip

    # Subscribers
    def list_subscribers(
        self,
        page: int | None = None,
        from_: str | None = None,
        to: str | None = None,
        updated_from: str | None = None,
        updated_to: str | None = None,
        sort_order: str | None = None,
        sort_field: str | None = None,
        email_address: str | None = None,
    ) -> R:
        return self._send(
            "GET", "/v3/subscribers", SECRET,
            page=page, from_=from_, to=to, updated_from=updated_from, updated_to=updated_to,
            sort_order=sort_order, sort_field=sort_field, email_address=email_address,
        )  # fmt: skip

    def get_subscriber(self, subscriber_id: int) -> R:
        return self._send("GET", f"/v3/subscribers/{subscriber_id}", SECRET)

    def update_subscriber(
        self,
        subscriber_id: int,
        first_name: str | None = None,
        email_address: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> R:
        """Only the attributes given are sent; the rest stay unchanged on the server."""
        return self._send(
            "PUT", f"/v3/subscribers/{subscriber_id}", SECRET,
            first_name=first_name, email_address=email_address, fields=fields,
        )  # fmt: skip

    def unsubscribe_subscriber(self, email: str) -> R:
        return self._send("PUT", "/v3/unsubscribe", SECRET, email=email)

    def list_subscriber_tags(self, subscriber_id: int) -> R:
        return self._send("GET", f"/v3/subscribers/{subscriber_id}/tags", KEY)

    # Broadcasts
    def list_broadcasts(self, page: int | None = None, sort_order: str | None = None) -> R:
        return self._send("GET", "/v3/broadcasts", SECRET, page=page, sort_order=sort_order)

    def create_broadcast(self, **attrs: Any) -> R:
        """attrs: subject, content, description, email_address, email_layout_template, public,
        published_at, send_at, thumbnail_alt, thumbnail_url (all optional; None is not sent)."""
        return self._send("POST", "/v3/broadcasts", SECRET, **attrs)

    def get_broadcast(self, broadcast_id: int) -> R:
        return self._send("GET", f"/v3/broadcasts/{broadcast_id}", SECRET)

    def get_broadcast_stats(self, broadcast_id: int) -> R:
        return self._send("GET", f"/v3/broadcasts/{broadcast_id}/stats", SECRET)

    def update_broadcast(self, broadcast_id: int, **attrs: Any) -> R:
        return self._send("PUT", f"/v3/broadcasts/{broadcast_id}", SECRET, **attrs)

    def delete_broadcast(self, broadcast_id: int) -> R:
        return self._send("DELETE", f"/v3/broadcasts/{broadcast_id}", SECRET)

    # Custom fields
    def list_custom_fields(self) -> R:
        return self._send("GET", "/v3/custom_fields", KEY)

    def create_custom_fields(self, label: str | Sequence[str]) -> R:
        """One label -> one field object; a list -> a list of them (as the API answers)."""
        return self._send("POST", "/v3/custom_fields", SECRET, label=_list(label))

    def update_custom_field(self, custom_field_id: int, label: str) -> R:
        return self._send("PUT", f"/v3/custom_fields/{custom_field_id}", SECRET, label=label)

    def delete_custom_field(self, custom_field_id: int) -> R:
        return self._send("DELETE", f"/v3/custom_fields/{custom_field_id}", SECRET)

    # Purchases
    def list_purchases(self, page: int | None = None) -> R:
        return self._send("GET", "/v3/purchases", SECRET, page=page)

    def get_purchase(self, purchase_id: int) -> R:
        return self._send("GET", f"/v3/purchases/{purchase_id}", SECRET)

    def create_purchase(self, purchase: Mapping[str, Any]) -> R:
        return self._send("POST", "/v3/purchases", SECRET, purchase=purchase)

    # Webhooks ("automations/hooks")
    def create_webhook(self, target_url: str, event: Mapping[str, Any]) -> R:
        return self._send(
            "POST", "/v3/automations/hooks", SECRET, target_url=target_url, event=event
        )

    def delete_webhook(self, rule_id: int) -> R:
        return self._send("DELETE", f"/v3/automations/hooks/{rule_id}", SECRET)

    def list_webhooks(self) -> R:
        return self._send("GET", "/v3/automations/hooks", SECRET)


def _list(value: str | Sequence[Any] | None) -> str | list[Any] | None:
    # Tuples and other sequences become JSON arrays; a lone string stays a string.
    return value if value is None or isinstance(value, str) else list(value)


class ConvertKit(_Operations[Any], BaseClient):
    """Sync ConvertKit v3 client. Extra keyword arguments go to `BaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        **options: Any,
    ) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key
        self.api_secret = api_secret

    def _send(self, method: str, path: str, credential: Credential, /, **params: Any) -> Any:
        query, body = self._place(method, credential, params)
        return parse_body(self._request(method, path, params=query, json=body))

    def iter_subscribers(self, **filters: Any) -> Iterator[Any]:
        """Every subscriber matching `list_subscribers` filters, page after page."""
        return paginate(lambda page: self.list_subscribers(page=page, **filters), "subscribers")


class AsyncConvertKit(_Operations[Awaitable[Any]], AsyncBaseClient):
    """Async ConvertKit v3 client. Extra keyword arguments go to `AsyncBaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        **options: Any,
    ) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key
        self.api_secret = api_secret

    async def _send(self, method: str, path: str, credential: Credential, /, **params: Any) -> Any:
        query, body = self._place(method, credential, params)
        return parse_body(await self._request(method, path, params=query, json=body))

    def aiter_subscribers(self, **filters: Any) -> AsyncIterator[Any]:
        """Async `iter_subscribers`."""
        return apaginate(lambda page: self.list_subscribers(page=page, **filters), "subscribers")
