"""Thin real client for Botamp's subscriber API (`https://www.botamp.com/api`).

Two operations, named after the contract's operationIds: `create_or_update_subscriber`
(synchronous upsert of one subscriber) and `create_or_update_subscribers` (a batch of at most
1000, accepted at once and applied later; Botamp reports the outcome by email, not through
the API). `create_or_update_all` splits a longer list into batches of 1000.

Every request carries `Authorization: Bearer <api_key>`. Both operations return the parsed
JSON body (`{}`). A keyword left as None is not sent, so the stored value is kept; send `""`
to clear a field. Errors raise the `ApiError` subclasses of `clients.base`
(400 -> InvalidRequest, 401 -> AuthError).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from .base import AsyncBaseClient, BaseClient, parse_body

__all__ = ["DEFAULT_BASE_URL", "MAX_BATCH", "AsyncBotamp", "Botamp"]

DEFAULT_BASE_URL = "https://www.botamp.com"
MAX_BATCH = 1000  # subscribers per create_or_update_many request

R = TypeVar("R")  # what an operation returns: the JSON (sync) or an awaitable of it (async)


class _Operations(Generic[R]):
    """Botamp operations, written once for the sync and the async client."""

    api_key: str

    def _headers(self, path: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}

    def _send(self, path: str, body: Mapping[str, Any]) -> R:
        raise NotImplementedError

    def create_or_update_subscriber(
        self,
        email: str,
        *,
        name: str | None = None,
        job_title: str | None = None,
        country: str | None = None,
        address: str | None = None,
        company_name: str | None = None,
        website: str | None = None,
        postal_code: str | None = None,
        birthday: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> R:
        """Add a subscriber, or update the one with this email (fields left None are kept,
        tags are added to the existing ones). `birthday` is `yyyy-mm-dd`."""
        subscriber = subscriber_body(
            email, name=name, job_title=job_title, country=country, address=address,
            company_name=company_name, website=website, postal_code=postal_code,
            birthday=birthday, tags=tags,
        )  # fmt: skip
        return self._send("/api/subscribers/create_or_update", {"subscriber": subscriber})

    def create_or_update_subscribers(self, subscribers: Iterable[Mapping[str, Any]]) -> R:
        """Upload up to 1000 subscribers (dicts with the fields of a subscriber). Botamp answers
        at once and applies them in the background; the first occurrence of an email wins."""
        entries = [dict(s) for s in subscribers]
        return self._send("/api/subscribers/create_or_update_many", {"subscribers": entries})


def subscriber_body(email: str, **fields: Any) -> dict[str, Any]:
    """A subscriber object: the email and every field that is not None."""
    body: dict[str, Any] = {"email": email}
    for key, value in fields.items():
        if value is not None:
            body[key] = list(value) if key == "tags" else value
    return body


def chunks(subscribers: Iterable[Mapping[str, Any]], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in subscribers:
        batch.append(dict(item))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Botamp(_Operations[Any], BaseClient):
    """Sync Botamp client. Extra keyword arguments go to `BaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key


    def _send(self, path: str, body: Mapping[str, Any]) -> Any:
        return parse_body(self._request("POST", path, json=body, idempotent=True))

    def create_or_update_all(
        self, subscribers: Iterable[Mapping[str, Any]], batch_size: int = MAX_BATCH
    ) -> int:
        """Upload any number of subscribers, `batch_size` per request; returns the requests made."""
        sent = 0
        for batch in chunks(subscribers, batch_size):
            self.create_or_update_subscribers(batch)
            sent += 1
        return sent


class AsyncBotamp(_Operations[Awaitable[Any]], AsyncBaseClient):
    """Async Botamp client. Extra keyword arguments go to `AsyncBaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key


    async def _send(self, path: str, body: Mapping[str, Any]) -> Any:
        return parse_body(await self._request("POST", path, json=body, idempotent=True))

    async def create_or_update_all(
        self, subscribers: Iterable[Mapping[str, Any]], batch_size: int = MAX_BATCH
    ) -> int:
        """Async `Botamp.create_or_update_all`."""
        sent = 0
        for batch in chunks(subscribers, batch_size):
            await self.create_or_update_subscribers(batch)
            sent += 1
        return sent
