"""HighLevel's input rules (NestJS, contracts/highlevel.yaml F1-F6) and the differences the
audit against GoHighLevel/highlevel-api-docs fixed (docs/vendors/highlevel.md D-12)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailmocks.testing.highlevel import Mock as HighLevelMock

V3 = "/emails/locations"
USER = "zYy3YOUuHxgomU1uYJty"


def call(mock: HighLevelMock, method: str, path: str, version: str = "2021-07-28",
         headers_extra: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {mock.token}", "Version": version,
               **(headers_extra or {})}
    return mock.http.request(method, path, headers=headers, **kw)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("wordCount", "5", "wordCount must be a number conforming to the specified constraints"),
    ("title", 5, "title must be a string"),
    ("tags", "jazz", "tags must be an array"),
    ("status", "published", "status must be one of the following values: DRAFT, PUBLISHED, "
                            "SCHEDULED, ARCHIVED"),
    ("title", None, "title must be a string"),
])
def test_json_bodies_are_not_coerced(highlevel_mock: HighLevelMock, field: str, value: Any,
                                     message: str) -> None:
    """F2, F6: a value must have the DTO's type; enums are case-sensitive."""
    mock = highlevel_mock
    pid = mock.client().get_blog_posts(mock.location_id, "zLTDthc4YJph2m42VEAU",
                                       limit=1)["blogs"][0]["_id"]
    answer = call(mock, "PUT", f"/blogs/posts/{pid}", json={field: value})
    assert (answer.status_code, answer.json()["message"]) == (422, [message])


def test_query_numbers_are_read_from_their_text(highlevel_mock: HighLevelMock) -> None:
    """F3: `limit=2` is the number 2; digits are ASCII."""
    mock, loc = highlevel_mock, highlevel_mock.location_id
    ok = call(mock, "GET", "/blogs/authors", params={"locationId": loc, "limit": "2",
                                                      "offset": "0"})
    assert len(ok.json()["authors"]) == 2
    bad = call(mock, "GET", "/blogs/authors", params={"locationId": loc, "limit": "٢",
                                                       "offset": "0"})
    assert (bad.status_code, bad.json()["message"]) == (
        422, ["limit must be a number conforming to the specified constraints"])


def test_dates_take_a_calendar_date_as_midnight_utc(highlevel_mock: HighLevelMock) -> None:
    """F6: IsDateString takes `2026-09-01`; a date that is none is the ISO 8601 422."""
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    post = hl.create_blog_post(
        loc, "zLTDthc4YJph2m42VEAU", title="Dated", url_slug="dated", description="d",
        image_url="https://img.test/d.png", image_alt_text="d", raw_html="<p>d</p>",
        status="DRAFT", categories=[], author="659ec9634a3796e4e47cc360",
        published_at="2026-09-01")["data"]
    assert post["publishedAt"] == "2026-09-01T00:00:00.000Z"
    bad = call(highlevel_mock, "PUT", f"/blogs/posts/{post['_id']}",
               json={"publishedAt": "2026-02-30"})
    assert (bad.status_code, bad.json()["message"]) == (
        422, ["publishedAt must be a valid ISO 8601 date string"])


def test_schedule_days_are_three_letters_as_the_v3_spec_says(
        highlevel_mock: HighLevelMock) -> None:
    """Audit: `sendDays` / `batch.skipDays` are `Mon`..`Sun` (the contract said `Monday`)."""
    mock, loc = highlevel_mock, highlevel_mock.location_id
    campaign = mock.client().create_email_campaign(loc, "Days", user_id=USER,
                                                   editor_type="html",
                                                   editor_content="<p>x</p>")
    body: dict[str, Any] = {
        "scheduleType": "batch", "timeZone": "UTC", "userId": USER,
        "emailMeta": {"subject": "s", "fromName": "Aurora", "fromEmail": "a@aurora.test"},
        "recipients": {"type": "contact", "contactIds": ["ctMaja0000aurora00001"]},
        "sendDays": ["Monday"],
        "scheduleConfig": {"sendAt": "2030-01-01T09:00:00Z", "batch": {
            "batchSize": 1, "interval": 1, "intervalUnit": "hours", "skipDays": ["Sun"]}}}
    path = f"{V3}/{loc}/campaigns/emails/{campaign['id']}/schedule"
    long = call(mock, "POST", path, "v3", json=body)
    assert (long.status_code, long.json()["message"]) == (422, [
        "each value in sendDays must be one of the following values: Mon, Tue, Wed, Thu, "
        "Fri, Sat, Sun"])
    body["sendDays"] = ["Mon", "Fri"]
    assert call(mock, "POST", path, "v3", json=body).status_code == 201


def test_v3_template_lists_take_at_most_20(highlevel_mock: HighLevelMock) -> None:
    """Audit: the v3 spec's `limit` is 1-20 (the contract allowed 100)."""
    mock, loc = highlevel_mock, highlevel_mock.location_id
    assert call(mock, "GET", f"{V3}/{loc}/templates", "v3",
                params={"limit": 20}).status_code == 200
    over = call(mock, "GET", f"{V3}/{loc}/templates", "v3", params={"limit": 21})
    assert (over.status_code, over.json()["message"]) == (
        422, ["limit must not be greater than 20"])


def test_builder_sort_is_a_plain_string(highlevel_mock: HighLevelMock) -> None:
    """Audit: `sortByDate` is a string in the spec; `asc` in any case sorts oldest first."""
    mock, loc = highlevel_mock, highlevel_mock.location_id

    def names(order: str) -> list[str]:
        answer = call(mock, "GET", "/emails/builder",
                      params={"locationId": loc, "sortByDate": order, "limit": 50})
        assert answer.status_code == 200
        return [t["name"] for t in answer.json()["builders"]]

    assert names("ASC") == names("asc") == list(reversed(names("desc")))
    assert names("newest") == names("desc")


def test_a_json_text_sent_as_text_plain_is_no_body(highlevel_mock: HighLevelMock) -> None:
    """F4: body-parser leaves `req.body` as `{}` for a type it does not parse, so every
    required field is reported, the sent title included; nothing is stored."""
    mock, before = highlevel_mock, len(highlevel_mock.location.posts)
    answer = call(mock, "POST", "/blogs/posts", headers_extra={"content-type": "text/plain"},
                  content='{"title": "Sent as text"}')
    assert answer.status_code == 422
    assert answer.json()["message"][:2] == ["title should not be empty", "title must be a string"]
    assert len(mock.location.posts) == before


def test_a_repeated_query_parameter_is_a_list_no_scalar_takes(
        highlevel_mock: HighLevelMock) -> None:
    """F5: qs reads `limit=1&limit=2` as an array; class-validator refuses it."""
    mock = highlevel_mock
    answer = call(mock, "GET", "/blogs/authors", params=[
        ("locationId", mock.location_id), ("limit", "1"), ("limit", "2"), ("offset", "0")])
    assert (answer.status_code, answer.json()["message"]) == (
        422, ["limit must be a number conforming to the specified constraints"])
