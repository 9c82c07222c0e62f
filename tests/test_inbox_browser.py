"""The inbox page in a real headless Chromium: a confirmation email shown, previewed, followed."""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.testing.convertkit import Mock as ConvertKitMock

pytestmark = pytest.mark.slow  # the `page` fixture (tests/conftest.py) skips without Chromium


def test_confirmation_email_is_listed_previewed_and_its_link_works(
        convertkit_live: ConvertKitMock, page: Any) -> None:
    ck = convertkit_live.client()
    ck.add_subscriber_to_form(3002, "neo@example.com", first_name="Neo")

    page.goto(convertkit_live.root + "/inbox")
    row = page.locator("#outbox tr.msg").first
    assert "neo@example.com" in row.inner_text()
    row.locator("a").click()
    assert page.locator("#to").inner_text() == "neo@example.com"
    preview = page.frame_locator("#preview")
    assert "Hi Neo" in preview.locator("body").inner_text()

    preview.locator("a").click()  # the confirmation link, followed inside the preview
    assert "Subscription confirmed" in preview.locator("h1").inner_text()
    found = ck.list_subscribers(email_address="neo@example.com")["subscribers"][0]
    assert found["state"] == "active"

    page.goto(convertkit_live.root + "/requests?api=convertkit")
    assert page.locator("#journal").inner_text().count("add_subscriber_to_form") == 1
