"""Thin real client for Parcelvoy's `/api/client` routes (ingestion and the secret-key API).

Each operation is one `_send(...)` line named after the contract's operationId. `Parcelvoy`
(sync) and `AsyncParcelvoy` differ only in how `_send` performs the request. Auth is
`Authorization: Bearer <key>` (`pk_...` for ingestion, `sk_...` for everything). Methods
return the parsed JSON, or None for the 204 of ingestion routes. Keyword arguments left as
None are not sent, so an identify never overwrites what it does not name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from .base import AsyncBaseClient, BaseClient, Params, parse_body

__all__ = ["AsyncParcelvoy", "Parcelvoy"]

R = TypeVar("R")  # the JSON (sync) or an awaitable of it (async)
API = "/api/client"


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class _Operations(Generic[R]):
    """Parcelvoy operations, named after the contract's operationIds."""

    api_key: str

    def _headers(self, path: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}

    def _send(self, method: str, path: str, *, params: Params | None = None,
              json: Any = None) -> R:
        raise NotImplementedError

    # Ingestion (public or secret key): 204, the work is queued
    # The project and the health check
    def get_project(self) -> R:
        """The key's project, with the key's `role` and `has_provider`."""
        return self._send("GET", API)

    def update_project(self, **fields: Any) -> R:
        """Admin UI only: with a key the server answers 403, 422 or the generic 400."""
        return self._send("PATCH", API, json=fields)

    def health(self) -> R:
        return self._send("GET", "/api/health")

    def identify(self, *, external_id: str | None = None, anonymous_id: str | None = None,
                 email: str | None = None, phone: str | None = None,
                 timezone: str | None = None, locale: str | None = None,
                 data: Mapping[str, Any] | None = None) -> R:
        return self._send("POST", f"{API}/identify", json=_given(
            external_id=external_id, anonymous_id=anonymous_id, email=email, phone=phone,
            timezone=timezone, locale=locale, data=data))

    def alias(self, anonymous_id: str, external_id: str) -> R:
        return self._send("POST", f"{API}/alias",
                          json={"anonymous_id": anonymous_id, "external_id": external_id})

    def register_device(self, *, device_id: str, os: str, model: str, app_build: str,
                        app_version: str, external_id: str | None = None,
                        anonymous_id: str | None = None, token: str | None = None,
                        os_version: str | None = None) -> R:
        return self._send("POST", f"{API}/devices", json=_given(
            external_id=external_id, anonymous_id=anonymous_id, device_id=device_id,
            token=token, os=os, os_version=os_version, model=model, app_build=app_build,
            app_version=app_version))

    def post_events(self, events: Sequence[Mapping[str, Any]]) -> R:
        return self._send("POST", f"{API}/events", json=list(events))

    def track(self, name: str, *, external_id: str | None = None,
              anonymous_id: str | None = None, data: Mapping[str, Any] | None = None,
              user: Mapping[str, Any] | None = None) -> R:
        """One event: `post_events` with a single item."""
        return self.post_events([_given(name=name, external_id=external_id,
                                        anonymous_id=anonymous_id, data=data, user=user)])

    def segment(self, messages: Sequence[Mapping[str, Any]]) -> R:
        return self._send("POST", f"{API}/segment", json=list(messages))

    # Campaigns (secret key, role editor)
    def list_campaigns(self, **query: Any) -> R:
        return self._send("GET", f"{API}/campaigns", params=query)

    def create_campaign(self, *, type: str, subscription_id: int, provider_id: int,
                        name: str | None = None, **fields: Any) -> R:
        return self._send("POST", f"{API}/campaigns", json=_given(
            type=type, subscription_id=subscription_id, provider_id=provider_id, name=name,
            **fields))

    def get_campaign(self, campaign_id: int) -> R:
        return self._send("GET", f"{API}/campaigns/{campaign_id}")

    def update_campaign(self, campaign_id: int, **fields: Any) -> R:
        return self._send("PATCH", f"{API}/campaigns/{campaign_id}", json=fields)

    def delete_campaign(self, campaign_id: int) -> R:
        return self._send("DELETE", f"{API}/campaigns/{campaign_id}")

    def duplicate_campaign(self, campaign_id: int) -> R:
        return self._send("POST", f"{API}/campaigns/{campaign_id}/duplicate")

    def preview_campaign(self, campaign_id: int) -> R:
        """The source of the campaign's template in the project's locale (HTML or text)."""
        return self._send("GET", f"{API}/campaigns/{campaign_id}/preview")

    def list_campaign_users(self, campaign_id: int, **query: Any) -> R:
        """The users a campaign was sent to, one row per send with its `state`."""
        return self._send("GET", f"{API}/campaigns/{campaign_id}/users", params=query)

    def trigger_campaign(self, campaign_id: int, user: Mapping[str, Any],
                         event: Mapping[str, Any] | None = None) -> R:
        """Send the campaign to one user; `event` is required by the server, so {} by default."""
        return self._send("POST", f"{API}/campaigns/{campaign_id}/trigger",
                          json={"user": dict(user), "event": dict(event or {})})

    # Templates
    def list_templates(self, **query: Any) -> R:
        return self._send("GET", f"{API}/templates", params=query)

    def create_template(self, *, type: str, campaign_id: int, locale: str,
                        data: Mapping[str, Any] | None = None) -> R:
        return self._send("POST", f"{API}/templates", json=_given(
            type=type, campaign_id=campaign_id, locale=locale, data=data))

    def get_template(self, template_id: int) -> R:
        return self._send("GET", f"{API}/templates/{template_id}")

    def update_template(self, template_id: int, *, type: str,
                        data: Mapping[str, Any] | None) -> R:
        """`type` and `data` are required and the locale cannot change (the server refuses
        it); `data: None` leaves the stored data as it is."""
        return self._send("PATCH", f"{API}/templates/{template_id}",
                          json={"type": type, "data": data})

    def delete_template(self, template_id: int) -> R:
        return self._send("DELETE", f"{API}/templates/{template_id}")

    def preview_template(self, template_id: int, *, user: Mapping[str, Any] | None = None,
                         event: Mapping[str, Any] | None = None,
                         context: Mapping[str, Any] | None = None) -> R:
        return self._send("POST", f"{API}/templates/{template_id}/preview",
                          json=_given(user=user, event=event, context=context))

    def send_proof(self, template_id: int, recipient: str,
                   variables: Mapping[str, Any]) -> R:
        """Send one rendered copy to `recipient` (an email or a phone) through the campaign's
        provider; `variables` (`{user, event, context}`) is needed by the server."""
        return self._send("POST", f"{API}/templates/{template_id}/proof",
                          json={"recipient": recipient, "variables": dict(variables)})

    # Users (path ids are external ids)
    def list_users(self, **query: Any) -> R:
        return self._send("GET", f"{API}/users", params=query)

    def patch_users(self, users: Sequence[Mapping[str, Any]]) -> R:
        return self._send("PATCH", f"{API}/users", json=list(users))

    def delete_users(self, external_ids: Sequence[str]) -> R:
        return self._send("DELETE", f"{API}/users", params={"user_id": list(external_ids)})

    def get_user(self, external_id: str) -> R:
        return self._send("GET", f"{API}/users/{_seg(external_id)}")

    def delete_user(self, external_id: str) -> R:
        return self._send("DELETE", f"{API}/users/{_seg(external_id)}")

    def list_user_events(self, external_id: str, **query: Any) -> R:
        return self._send("GET", f"{API}/users/{_seg(external_id)}/events", params=query)

    def list_user_subscriptions(self, external_id: str, **query: Any) -> R:
        return self._send("GET", f"{API}/users/{_seg(external_id)}/subscriptions", params=query)

    def update_user_subscriptions(self, external_id: str,
                                  changes: Sequence[Mapping[str, Any]]) -> R:
        """`changes`: `{"subscription_id": id, "state": 0|1|2}` items."""
        return self._send("PATCH", f"{API}/users/{_seg(external_id)}/subscriptions",
                          json=list(changes))

    # Subscriptions
    def list_subscriptions(self, **query: Any) -> R:
        return self._send("GET", f"{API}/subscriptions", params=query)

    def create_subscription(self, name: str, channel: str) -> R:
        return self._send("POST", f"{API}/subscriptions", json={"name": name, "channel": channel})

    def get_subscription(self, subscription_id: int) -> R:
        return self._send("GET", f"{API}/subscriptions/{subscription_id}")

    def update_subscription(self, subscription_id: int, name: str) -> R:
        return self._send("PATCH", f"{API}/subscriptions/{subscription_id}", json={"name": name})

    # Journeys
    def exit_journey(self, journey_id: int, external_id: str) -> R:
        """End the user's open entrances of the journey: `{"exits": n}`."""
        return self._send("DELETE", f"{API}/journeys/{journey_id}/users/{_seg(external_id)}")

    def trigger_journey(self, journey_id: int, entrance_id: int, user: Mapping[str, Any],
                        event: Mapping[str, Any] | None = None) -> R:
        return self._send("POST", f"{API}/journeys/{journey_id}/trigger", json=_given(
            entrance_id=entrance_id, user=dict(user), event=event))


def _seg(value: str) -> str:
    return quote(value, safe="")  # an external id is one path segment


class Parcelvoy(_Operations[Any], BaseClient):
    """Sync Parcelvoy client. `base_url` is the installation (`https://host`, no `/api`);
    extra keyword arguments go to `BaseClient` (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, api_key: str, base_url: str, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key


    def _send(self, method: str, path: str, *, params: Params | None = None,
              json: Any = None) -> Any:
        return parse_body(self._request(method, path, params=params, json=json))

    def iterate(self, list_page: Callable[..., Any], *args: Any, **query: Any) -> Iterator[Any]:
        """Every result of a list operation, following `nextCursor`:
        `client.iterate(client.list_users, limit=100)`."""
        cursor: str | None = None
        while True:
            page = list_page(*args, **query, **({"cursor": cursor} if cursor else {}))
            yield from page["results"]
            cursor = page.get("nextCursor")
            if not cursor or not page["results"]:
                return


class AsyncParcelvoy(_Operations[Awaitable[Any]], AsyncBaseClient):
    """Async Parcelvoy client; the same operations as `Parcelvoy`, awaited."""

    def __init__(self, api_key: str, base_url: str, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key


    async def _send(self, method: str, path: str, *, params: Params | None = None,
                    json: Any = None) -> Any:
        return parse_body(await self._request(method, path, params=params, json=json))

    async def iterate(self, list_page: Callable[..., Awaitable[Any]], *args: Any,
                      **query: Any) -> AsyncIterator[Any]:
        """Async `iterate`."""
        cursor: str | None = None
        while True:
            page = await list_page(*args, **query, **({"cursor": cursor} if cursor else {}))
            for item in page["results"]:
                yield item
            cursor = page.get("nextCursor")
            if not cursor or not page["results"]:
                return
