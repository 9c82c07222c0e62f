"""The HighLevel Api's hooks (mailmocks/apis/highlevel/__init__.py): the Version header,
tokens, scopes, locations and rate limits, in that order.

Facts: docs/vendors/highlevel.md (D-n = "Decisions for the fake": D-7 Version, D-8 tokens,
D-9 rate limits; §9.2 the observed messages and their order).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support import raises

from mailmocks.apis.highlevel import api
from mailmocks.clients.base import AuthError, RateLimited
from mailmocks.testing.highlevel import Mock as HighLevelMock

V = "2021-07-28"
INVALID_TOKEN = {"statusCode": 401, "message": "Invalid token: access token is invalid",
                 "error": "Unauthorized"}
NO_SCOPE = {"statusCode": 401, "message": "The token is not authorized for this scope."}
OTHER_LOCATION = {"statusCode": 403, "message": "The token does not have access to this location"}
RATE_HEADERS = ("x-ratelimit-limit-daily", "x-ratelimit-daily-remaining",
                "x-ratelimit-interval-milliseconds", "x-ratelimit-max", "x-ratelimit-remaining")


def get(mock: HighLevelMock, path: str, token: str | None = None, version: str | None = V,
        **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or mock.token}"}
    if version is not None:
        headers["Version"] = version
    return mock.http.get(path, params={"locationId": mock.location_id, **params},
                         headers=headers)


def categories(mock: HighLevelMock, **kw: Any) -> httpx.Response:
    return get(mock, "/blogs/categories", limit=10, offset=0, **kw)


def test_version_header_is_required_and_checked_first(highlevel_mock: HighLevelMock) -> None:
    missing = categories(highlevel_mock, version=None, token="not-a-token")
    assert (missing.status_code, missing.json()) == (
        401, {"statusCode": 401, "message": "version header was not found."})
    bad = categories(highlevel_mock, version="2022-01-01")
    assert (bad.status_code, bad.json()) == (
        401, {"statusCode": 401, "message": "version header is invalid"})
    assert categories(highlevel_mock, version="V3").status_code == 401  # exact values only


@pytest.mark.parametrize("version", ["2021-04-15", "2021-07-28", "2023-02-21", "v3"])
def test_every_published_version_is_answered_on_every_api(highlevel_mock: HighLevelMock,
                                                          version: str) -> None:
    """The Node SDK's default `2023-02-21` included: one path of Blogs, the builder, the
    schedule and the v3 Email API, each answering 200."""
    mock = highlevel_mock
    assert categories(mock, version=version).status_code == 200
    assert get(mock, "/emails/builder", version=version).status_code == 200
    assert get(mock, "/emails/schedule", version=version).status_code == 200
    v3 = mock.http.get(f"/emails/locations/{mock.location_id}/templates",
                       headers={"authorization": f"Bearer {mock.token}", "version": version})
    assert v3.status_code == 200, v3.text


def test_unknown_or_missing_token_is_401(highlevel_mock: HighLevelMock) -> None:
    assert categories(highlevel_mock, token="pit-nope").json() == INVALID_TOKEN
    bare = highlevel_mock.http.get("/blogs/categories", headers={"Version": V}, params={
        "locationId": highlevel_mock.location_id, "limit": 1, "offset": 0})
    assert (bare.status_code, bare.json()) == (401, INVALID_TOKEN)


def test_readonly_token_reads_but_cannot_write(highlevel_mock: HighLevelMock) -> None:
    ro = highlevel_mock.client(highlevel_mock.readonly_token)
    assert ro.get_blogs(highlevel_mock.location_id)["data"]
    assert ro.fetch_template(highlevel_mock.location_id)["builders"]
    refused = raises(AuthError, ro.create_template, highlevel_mock.location_id, "html",
                     name="x")
    assert (refused.status, refused.body) == (401, NO_SCOPE)
    # the Scopes doc puts the delete under emails/builder.write (§7)
    assert raises(AuthError, ro.delete_template, highlevel_mock.location_id,
                  "whatever").body == NO_SCOPE
    assert highlevel_mock.location.templates.by("id", "x") is None


def test_other_location_is_403_but_scope_is_checked_first(highlevel_mock: HighLevelMock) -> None:
    mine = highlevel_mock.client()
    other = raises(AuthError, mine.get_blogs, highlevel_mock.other_location_id)
    assert (other.status, other.body) == (403, OTHER_LOCATION)
    # The other location's token cannot reach the default location, in query, body or path.
    theirs = highlevel_mock.client(highlevel_mock.other_token)
    loc = highlevel_mock.location_id
    calls: list[Callable[[], Any]] = [lambda: theirs.get_blog_posts(loc, "zLTDthc4YJph2m42VEAU"),
                                      lambda: theirs.create_template(loc, "html"),
                                      lambda: theirs.delete_template(loc, "anything")]
    for call in calls:
        assert raises(AuthError, call).body == OTHER_LOCATION
    # A read-only token naming another location for a write: the scope answers first.
    ro = highlevel_mock.client(highlevel_mock.readonly_token)
    assert raises(AuthError, ro.create_template, highlevel_mock.other_location_id,
                  "html").body == NO_SCOPE


def test_each_location_sees_only_its_own_data(highlevel_mock: HighLevelMock) -> None:
    theirs = highlevel_mock.client(highlevel_mock.other_token)
    other = highlevel_mock.other_location_id
    assert [b["name"] for b in theirs.get_blogs(other)["data"]] == ["Other Venue Blog"]
    assert theirs.check_url_slug_exists(other, "welcome") == {"exists": True}
    assert theirs.check_url_slug_exists(other, "season-2026") == {"exists": False}


def test_every_authenticated_answer_carries_the_rate_headers(highlevel_mock: HighLevelMock) -> None:
    ok = categories(highlevel_mock)
    assert ok.headers["x-ratelimit-limit-daily"] == "200000"
    assert ok.headers["x-ratelimit-max"] == "100"
    assert ok.headers["x-ratelimit-interval-milliseconds"] == "10000"
    assert ok.headers["x-ratelimit-remaining"] == "99"
    assert ok.headers["x-ratelimit-daily-remaining"] == "199999"
    refused = get(highlevel_mock, "/blogs/categories", limit=10, offset=0, skip=1)
    assert refused.status_code == 422 and all(h in refused.headers for h in RATE_HEADERS)
    assert refused.headers["x-ratelimit-remaining"] == "98"


def test_burst_limit_is_100_per_10_seconds_per_token_and_location(
        highlevel_mock: HighLevelMock) -> None:
    highlevel_mock.clock.freeze()
    for _ in range(100):
        assert categories(highlevel_mock).status_code == 200
    over = categories(highlevel_mock)
    assert (over.status_code, over.json()) == (429, {"statusCode": 429,
                                                     "message": "Too Many Requests"})
    assert over.headers["x-ratelimit-remaining"] == "0" and "retry-after" not in over.headers
    # another token of the same location has its own window
    assert categories(highlevel_mock, token=highlevel_mock.readonly_token).status_code == 200
    highlevel_mock.advance(10)
    assert categories(highlevel_mock).status_code == 200


def test_daily_limit_refuses_until_the_day_has_rolled(highlevel_mock: HighLevelMock) -> None:
    highlevel_mock.clock.freeze()
    highlevel_mock.world.daily_limit = 3
    for left in ("2", "1", "0"):
        assert categories(highlevel_mock).headers["x-ratelimit-daily-remaining"] == left
        highlevel_mock.advance(11)  # never a burst problem
    over = categories(highlevel_mock)
    assert over.status_code == 429
    assert over.headers["x-ratelimit-daily-remaining"] == "0"
    assert over.headers["x-ratelimit-limit-daily"] == "3"
    highlevel_mock.advance(86_400)
    assert categories(highlevel_mock).status_code == 200


def test_client_retries_a_429_then_reports_it(highlevel_mock: HighLevelMock) -> None:
    highlevel_mock.clock.freeze()
    highlevel_mock.world.burst_limit = 1
    hl = highlevel_mock.client()
    hl.get_all_categories_by_location(highlevel_mock.location_id)
    limited = raises(RateLimited, hl.get_all_categories_by_location, highlevel_mock.location_id)
    assert limited.body == {"statusCode": 429, "message": "Too Many Requests"}


def test_scopes_are_the_operations_own() -> None:
    """The scope a token must hold is the contract's `security` of the operation."""
    ops = api.contract.operations
    assert ops["create_blog_post"].scopes == {"blogs/post.write"}
    assert ops["delete_template"].scopes == {"emails/builder.write"}  # the Scopes doc, §7
    assert ops["get_campaign_stats"].scopes == {"emails/stats.readonly"}
    assert all(op.scopes for op in ops.values())


def test_answers_before_authentication_carry_no_rate_headers(highlevel_mock: HighLevelMock
                                                             ) -> None:
    for answer in (categories(highlevel_mock, version=None),
                   categories(highlevel_mock, token="pit-nope")):
        assert answer.status_code == 401
        assert not any(h in answer.headers for h in RATE_HEADERS)
