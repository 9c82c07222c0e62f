"""`--base-url` alone names its API: a sandbox's /<api> prefix or the vendor's own host."""
from __future__ import annotations

import pytest

from mailmocks.check.command import _api_at


@pytest.mark.parametrize(("url", "api"), [
    ("http://127.0.0.1:8025/convertkit", ["convertkit"]),
    ("http://staging.internal/proxy/esputnik/", ["esputnik"]),
    ("https://api.convertkit.com", ["convertkit"]),
    ("https://services.leadconnectorhq.com", ["highlevel"]),
    ("https://example.org/v3", None),
])
def test_the_api_a_base_url_names(url: str, api: list[str] | None) -> None:
    assert _api_at(url) == api
