"""Vendor-neutral plumbing for the thin HTTP clients: errors, retries, pagination.

Every vendor client is a subclass of `BaseClient` / `AsyncBaseClient` that turns its operations
into `_request(method, path, params=..., json=...)` calls. The retry decision lives in one pure
method (`RetryPolicy.delay_after`) so the sync and async loops cannot drift apart.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx
import orjson

__all__ = [
    "ApiError",
    "AsyncBaseClient",
    "AuthError",
    "BaseClient",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "apaginate",
    "error_for",
    "paginate",
    "parse_body",
    "retry_after",
]

Params = Mapping[str, Any]


# --- errors -------------------------------------------------------------------------------------


def parse_body(response: httpx.Response) -> Any:
    """The parsed JSON body, the text when it is not JSON, or None when it is empty."""
    if not response.content:
        return None
    if "json" in response.headers.get("content-type", ""):
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            pass  # a server that lies about its content type still gets its text reported
    return response.text


class ApiError(Exception):
    """An HTTP status >= 400, with the vendor's body parsed as far as possible."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status: int = response.status_code
        self.body: Any = parse_body(response)
        super().__init__(self.status, self.body)

    def __str__(self) -> str:
        # Method and path only: the query string may carry the vendor's secret.
        try:
            where = f" {self.response.request.method} {self.response.request.url.path}"
        except RuntimeError:  # a Response built by hand has no request
            where = ""
        return f"HTTP {self.status}{where}: {self.body!r}"


class InvalidRequest(ApiError):
    """400, 413, 422: the request itself was wrong; retrying will not help."""


class AuthError(ApiError):
    """401, 403: missing, wrong or insufficient credentials."""


class NotFound(ApiError):
    """404."""


class RateLimited(ApiError):
    """429, after the retry policy gave up."""


class ServerError(ApiError):
    """5xx, after the retry policy gave up (when it was retryable)."""


_ERROR_TYPES: dict[int, type[ApiError]] = {
    400: InvalidRequest,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    413: InvalidRequest,
    422: InvalidRequest,
    429: RateLimited,
}


def error_for(response: httpx.Response) -> ApiError:
    """The most specific `ApiError` subclass for this response."""
    status = response.status_code
    default = ServerError if status >= 500 else ApiError
    return _ERROR_TYPES.get(status, default)(response)


# --- retries ------------------------------------------------------------------------------------


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or HTTP-date); None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse naive; HTTP-dates are always UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class RetryPolicy:
    """How many times to try and how long to wait in between.

    `attempts` counts every try, so the default 4 means one call plus up to three retries.
    Waits use exponential backoff with full jitter unless the server says `Retry-After`.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    # Methods that may create something twice if resent after the server saw them.
    unsafe_methods: frozenset[str] = frozenset({"POST", "PATCH"})
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def delay_after(self, attempt: int, outcome: httpx.Response | Exception,
                    method: str = "GET", idempotent: bool | None = None) -> float | None:
        """Seconds to wait before the next try after try number `attempt` (1-based), or None.

        None means "do not retry": either the outcome is not retryable or tries are used up.
        A non-idempotent request (POST/PATCH unless told otherwise) is retried only when the
        server cannot have acted on it: a 429, or a connection that was never made.
        """
        if attempt >= self.attempts:
            return None
        safe = idempotent if idempotent is not None else method.upper() not in self.unsafe_methods
        if not safe and not (
                (isinstance(outcome, httpx.Response) and outcome.status_code == 429)
                or isinstance(outcome, (httpx.ConnectError, httpx.ConnectTimeout))):
            return None
        if isinstance(outcome, httpx.Response):
            if outcome.status_code not in self.retry_statuses:
                return None
            told = retry_after(outcome.headers.get("retry-after"))
            if told is not None:
                return min(told, self.max_delay)
        elif not isinstance(outcome, httpx.TransportError):
            return None
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


# --- pagination ---------------------------------------------------------------------------------


def _is_last_page(body: Mapping[str, Any], items: list[Any], page: int) -> bool:
    # An empty page also stops, so a server with wrong totals cannot make us loop forever.
    return not items or page >= int(body.get("total_pages") or page)


def paginate(fetch_page: Callable[[int], Any], items_key: str) -> Iterator[Any]:
    """Yield `body[items_key]` items from page 1 on until `page >= total_pages`."""
    page = 1
    while True:
        body = fetch_page(page)
        items = body[items_key]
        yield from items
        if _is_last_page(body, items, page):
            return
        page += 1


async def apaginate(
    fetch_page: Callable[[int], Awaitable[Any]], items_key: str
) -> AsyncIterator[Any]:
    """Async `paginate`."""
    page = 1
    while True:
        body = await fetch_page(page)
        items = body[items_key]
        for item in items:
            yield item
        if _is_last_page(body, items, page):
            return
        page += 1


# --- clients ------------------------------------------------------------------------------------


class _Core:
    """What the sync and async clients share: settings and request encoding."""

    def __init__(
        self,
        base_url: str,
        *,
        retry: RetryPolicy | None,
        has_transport: bool,
        has_client: bool,
    ) -> None:
        if has_transport and has_client:
            raise ValueError("pass either transport or http_client, not both")
        # Always joined into an absolute URL, so an http_client's own base_url is ignored.
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._owns_client = not has_client

    def _encode(
        self, path: str, params: Params | None, json: Any
    ) -> tuple[str, dict[str, Any], bytes | None, dict[str, str]]:
        headers = {"accept": "application/json"}
        content = None
        if json is not None:
            content = orjson.dumps(json)  # encoded once, resent as-is on retries
            headers["content-type"] = "application/json"
        headers.update(self._headers(path))
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return self.base_url + path, query, content, headers

    def _headers(self, path: str) -> dict[str, str]:
        """Headers a vendor sends on every request (its auth scheme, a version); none here."""
        return {}


class BaseClient(_Core):
    """Sync client: `_request` retries per `retry` and raises `ApiError` subclasses on >= 400."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            base_url,
            retry=retry,
            has_transport=transport is not None,
            has_client=http_client is not None,
        )
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self._sleep = sleep

    def _request(
        self, method: str, path: str, *, params: Params | None = None, json: Any = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        url, query, content, headers = self._encode(path, params, json)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    method, url, params=query, content=content, headers=headers
                )
            except httpx.TransportError as exc:
                delay = self.retry.delay_after(attempt, exc, method, idempotent)
                if delay is None:
                    raise
            else:
                if response.status_code < 400:
                    return response
                delay = self.retry.delay_after(attempt, response, method, idempotent)
                if delay is None:
                    raise error_for(response)
            self._sleep(delay)

    def close(self) -> None:
        """Close the underlying httpx client, unless it was passed in (its owner closes it)."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncBaseClient(_Core):
    """Async twin of `BaseClient`."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            base_url,
            retry=retry,
            has_transport=transport is not None,
            has_client=http_client is not None,
        )
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=timeout)
        self._sleep = sleep

    async def _request(
        self, method: str, path: str, *, params: Params | None = None, json: Any = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        url, query, content, headers = self._encode(path, params, json)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(
                    method, url, params=query, content=content, headers=headers
                )
            except httpx.TransportError as exc:
                delay = self.retry.delay_after(attempt, exc, method, idempotent)
                if delay is None:
                    raise
            else:
                if response.status_code < 400:
                    return response
                delay = self.retry.delay_after(attempt, response, method, idempotent)
                if delay is None:
                    raise error_for(response)
            await self._sleep(delay)

    async def aclose(self) -> None:
        """Close the underlying httpx client, unless it was passed in (its owner closes it)."""
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
