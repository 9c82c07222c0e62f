"""Fixtures shared by the whole suite (the per-API `<api>_mock`/`<api>_live` come from the
mailmocks pytest plugin itself, as users get them)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import Receiver


@pytest.fixture(scope="session")
def _receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def receiver(_receiver: Receiver) -> Receiver:
    """A webhook target on 127.0.0.1, emptied for each test."""
    _receiver.reset()
    return _receiver
