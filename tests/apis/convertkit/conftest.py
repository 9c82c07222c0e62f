"""Fixtures of the ConvertKit tests: the thin client wired to `convertkit_mock`, with the
secret (`ck`) or the public key only (`pub`), and the mock with its clock frozen (`frozen`).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)  # "2026-03-01T12:00:00.000Z"


@pytest.fixture
def ck(convertkit_mock: ConvertKitMock) -> ConvertKit:
    return convertkit_mock.client()


@pytest.fixture
def pub(convertkit_mock: ConvertKitMock) -> ConvertKit:
    return convertkit_mock.client(public=True)


@pytest.fixture
def frozen(convertkit_mock: ConvertKitMock) -> ConvertKitMock:
    convertkit_mock.clock.freeze(T0)
    return convertkit_mock
