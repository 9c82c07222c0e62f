"""Thin real HTTP clients (httpx), one module per vendor, on the shared `base` plumbing."""

from __future__ import annotations

from .base import (
    ApiError,
    AsyncBaseClient,
    AuthError,
    BaseClient,
    InvalidRequest,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
)
from .convertkit import AsyncConvertKit, ConvertKit

__all__ = [
    "ApiError",
    "AsyncBaseClient",
    "AsyncConvertKit",
    "AuthError",
    "BaseClient",
    "ConvertKit",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
]
