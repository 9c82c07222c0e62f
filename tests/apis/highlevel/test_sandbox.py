"""HighLevel's sandbox routes (sandbox.py): template previews and downloads, v3 campaign
content, served as stored HTML; Billetto's control routes are added beside them
(tests/apis/billetto/test_sandbox.py)."""
from __future__ import annotations

from mailmocks.core import STORED_HTML_HEADERS
from mailmocks.testing.highlevel import Mock as HighLevelMock


def test_previews_are_sandboxed_html_and_unknown_ids_are_404(highlevel_mock: HighLevelMock
                                                             ) -> None:
    http = highlevel_mock.http
    welcome = next(t for t in highlevel_mock.location.templates
                   if t.name == "Welcome - new attendee")
    page = http.get(f"/_sandbox/emails/preview/{welcome.id}")
    assert page.status_code == 200 and page.text == welcome.html
    for name, value in STORED_HTML_HEADERS.items():
        assert page.headers[name] == value
    assert http.get("/_sandbox/emails/preview/nope").status_code == 404
    content = http.get(f"/_sandbox/emails/download/{welcome.id}").json()
    assert content == {"id": welcome.id, "name": welcome.name, "html": welcome.html,
                       "dnd": None, "editorType": "html", "previewText": ""}
    missing = http.get("/_sandbox/emails/download/nope")
    assert (missing.status_code, missing.json()) == (404, {"statusCode": 404,
                                                           "message": "Not Found"})


def test_campaign_content_is_html_or_plain_text(highlevel_mock: HighLevelMock) -> None:
    http, loc = highlevel_mock.http, highlevel_mock.location
    cancelled = next(c for c in loc.campaigns if c.name == "Old announcement")
    page = http.get(f"/_sandbox/emails/campaigns/{cancelled.id}")
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == "<p>Cancelled</p>"
    cancelled.editor_type, cancelled.content = "text", "Plain <b>words</b>"
    plain = http.get(f"/_sandbox/emails/campaigns/{cancelled.id}")
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text == "Plain <b>words</b>"
    assert http.get("/_sandbox/emails/campaigns/nope").status_code == 404


def test_billetto_routes_sit_beside_the_previews(highlevel_mock: HighLevelMock) -> None:
    paths = {getattr(r, "path", "") for r in highlevel_mock.app.api.extra_routes(
        highlevel_mock.world, highlevel_mock.services)}
    assert {"/_sandbox/emails/preview/{template_id}", "/_sandbox/billetto/emit",
            "/_sandbox/billetto/targets"} <= paths
