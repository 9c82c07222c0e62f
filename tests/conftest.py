"""Fixtures shared by the whole suite (the per-API `<api>_mock`/`<api>_live` come from the
mailmocks pytest plugin itself, as users get them)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

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


CHROMIUM = os.environ.get("MAILMOCKS_CHROMIUM", "/usr/bin/chromium")
# As this machine's own checks start it: no sandbox as root, nothing phoning home.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (its own download is not used);
    the test is skipped, with the reason, where there is none."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page of the session's browser."""
    tab = browser.new_page()
    yield tab
    tab.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main
    thread for the rest of the session, which every later `asyncio.run` would trip over."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))
