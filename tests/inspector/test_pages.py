"""The inspector's pages without a browser: headers, escaping, the links between pages."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailmocks.sandbox import Sandbox
from mailmocks.transport import SyncASGITransport

CK_KEY = "ck_pub_8Xq2LmN4vR7tY1wZ"


@pytest.fixture(scope="module")
def box() -> Sandbox:
    return Sandbox(["convertkit", "esputnik"])


@pytest.fixture
def http(box: Sandbox) -> Iterator[httpx.Client]:
    box.reset()
    with httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025") as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/inbox", "/requests", "/state", "/controls",
                                  "/_admin/docs"])
def test_every_page_is_locked_down(http: httpx.Client, path: str) -> None:
    page = http.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # the one script is a file


def test_a_request_links_to_the_records_it_names(http: httpx.Client, box: Sandbox) -> None:
    made = http.post("/convertkit/v3/forms/3001/subscribe",
                     json={"api_key": CK_KEY, "email": "ann@example.com",
                           "first_name": "<b>Ann</b>"})
    assert made.status_code == 200, made.text
    entry = box.services.journal.entries()[-1].id
    page = http.get("/requests", params={"e": entry}).text
    assert 'href="/state?api=convertkit&q=ann%40example.com"' in page
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann" not in page
    found = http.get("/state", params={"api": "convertkit", "q": "ann@example.com"}).text
    assert "accounts[1001].subscribers" in found and "&lt;b&gt;Ann&lt;/b&gt;" in found


def test_unknown_pages_and_static_files_are_404(http: httpx.Client) -> None:
    assert http.get("/_static/../admin.py").status_code == 404
    assert http.get("/_static/nothing.js").status_code == 404
    assert http.get("/state", params={"api": "nope"}).status_code == 200  # says so
    assert http.get("/inbox", params={"m": "99999999999999999999"}).status_code == 200
