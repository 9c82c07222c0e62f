"""HighLevel fake: Version header, tokens, scopes, locations, rate limits, error shapes.

Facts: /work/shared/api-facts/highlevel.md (D-n = "Decisions for the fake").
"""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, RateLimited

V = "2021-07-28"
INVALID_TOKEN = {"statusCode": 401, "message": "Invalid token: access token is invalid",
                 "error": "Unauthorized"}
NO_SCOPE = {"statusCode": 401, "message": "The token is not authorized for this scope."}
OTHER_LOCATION = {"statusCode": 403, "message": "The token does not have access to this location"}
RATE_HEADERS = ("x-ratelimit-limit-daily", "x-ratelimit-daily-remaining",
                "x-ratelimit-interval-milliseconds", "x-ratelimit-max", "x-ratelimit-remaining")


def get(mock: Any, path: str, token: str | None = None, version: str | None = V,
        **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or mock.token}"}
    if version is not None:
        headers["Version"] = version
    return mock.http.get(path, params={"locationId": mock.location_id, **params},
                         headers=headers)


def categories(mock: Any, **kw: Any) -> httpx.Response:
    return get(mock, "/blogs/categories", limit=10, offset=0, **kw)


def test_version_header_is_required_and_checked_first(highlevel_mock: Any) -> None:
    missing = categories(highlevel_mock, version=None, token="not-a-token")
    assert (missing.status_code, missing.json()) == (
        401, {"statusCode": 401, "message": "version header was not found."})
    bad = categories(highlevel_mock, version="2023-02-21")
    assert (bad.status_code, bad.json()) == (
        401, {"statusCode": 401, "message": "version header is invalid"})
    assert categories(highlevel_mock, version="v3").status_code == 200
    assert categories(highlevel_mock).status_code == 200


def test_unknown_or_missing_token_is_401(highlevel_mock: Any) -> None:
    assert categories(highlevel_mock, token="pit-nope").json() == INVALID_TOKEN
    bare = highlevel_mock.http.get("/blogs/categories", headers={"Version": V}, params={
        "locationId": highlevel_mock.location_id, "limit": 1, "offset": 0})
    assert (bare.status_code, bare.json()) == (401, INVALID_TOKEN)


def test_readonly_token_reads_but_cannot_write(highlevel_mock: Any) -> None:
    ro = highlevel_mock.client(highlevel_mock.readonly_token)
    assert ro.get_blogs(highlevel_mock.location_id)["data"]
    assert ro.fetch_template(highlevel_mock.location_id)["builders"]
    with pytest.raises(AuthError) as info:
        ro.create_template(highlevel_mock.location_id, "html", name="x")
    assert (info.value.status, info.value.body) == (401, NO_SCOPE)
    with pytest.raises(AuthError) as info:
        ro.delete_template(highlevel_mock.location_id, "whatever")  # Scopes doc: builder.write
    assert info.value.body == NO_SCOPE
    assert highlevel_mock.location.templates.by("id", "x") is None


def test_other_location_is_403_but_scope_is_checked_first(highlevel_mock: Any) -> None:
    mine = highlevel_mock.client()
    with pytest.raises(AuthError) as info:
        mine.get_blogs(highlevel_mock.other_location_id)
    assert (info.value.status, info.value.body) == (403, OTHER_LOCATION)
    # The other location's token cannot reach the default location, in query, body or path.
    theirs = highlevel_mock.client(highlevel_mock.other_token)
    loc = highlevel_mock.location_id
    for call in (lambda: theirs.get_blog_posts(loc, "zLTDthc4YJph2m42VEAU"),
                 lambda: theirs.create_template(loc, "html"),
                 lambda: theirs.delete_template(loc, "anything")):
        with pytest.raises(AuthError) as info:
            call()
        assert info.value.body == OTHER_LOCATION
    # A read-only token naming another location for a write: the scope answers first.
    ro = highlevel_mock.client(highlevel_mock.readonly_token)
    with pytest.raises(AuthError) as info:
        ro.create_template(highlevel_mock.other_location_id, "html")
    assert info.value.body == NO_SCOPE


def test_each_location_sees_only_its_own_data(highlevel_mock: Any) -> None:
    theirs = highlevel_mock.client(highlevel_mock.other_token)
    other = highlevel_mock.other_location_id
    assert [b["name"] for b in theirs.get_blogs(other)["data"]] == ["Other Venue Blog"]
    assert theirs.check_url_slug_exists(other, "welcome") == {"exists": True}
    assert theirs.check_url_slug_exists(other, "season-2026") == {"exists": False}


def test_every_authenticated_answer_carries_the_rate_headers(highlevel_mock: Any) -> None:
    ok = categories(highlevel_mock)
    assert ok.headers["x-ratelimit-limit-daily"] == "200000"
    assert ok.headers["x-ratelimit-max"] == "100"
    assert ok.headers["x-ratelimit-interval-milliseconds"] == "10000"
    assert ok.headers["x-ratelimit-remaining"] == "99"
    assert ok.headers["x-ratelimit-daily-remaining"] == "199999"
    refused = get(highlevel_mock, "/blogs/categories", limit=10, offset=0, skip=1)
    assert refused.status_code == 422 and all(h in refused.headers for h in RATE_HEADERS)
    assert refused.headers["x-ratelimit-remaining"] == "98"


def test_burst_limit_is_100_per_10_seconds_per_token_and_location(highlevel_mock: Any) -> None:
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


def test_daily_limit_refuses_until_the_day_has_rolled(highlevel_mock: Any) -> None:
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


def test_client_retries_a_429_then_reports_it(highlevel_mock: Any) -> None:
    highlevel_mock.clock.freeze()
    highlevel_mock.world.burst_limit = 1
    hl = highlevel_mock.client()
    hl.get_all_categories_by_location(highlevel_mock.location_id)
    with pytest.raises(RateLimited) as info:
        hl.get_all_categories_by_location(highlevel_mock.location_id)
    assert info.value.body == {"statusCode": 429, "message": "Too Many Requests"}


def test_unknown_properties_and_bad_values_are_422_arrays(highlevel_mock: Any) -> None:
    for path in ("/blogs/posts/all", "/blogs/authors", "/blogs/categories"):
        r = get(highlevel_mock, path, blogId="zLTDthc4YJph2m42VEAU", limit=4, skip=0)
        assert r.json() == {"statusCode": 422, "error": "Unprocessable Entity", "message": [
            "property skip should not exist", "offset should not be empty",
            "offset must be a number conforming to the specified constraints"]
            if path == "/blogs/posts/all" else [
            "property blogId should not exist", "property skip should not exist",
            "offset should not be empty",
            "offset must be a number conforming to the specified constraints"]}
    r = get(highlevel_mock, "/blogs/site/all", skip=0, limit="many")
    assert r.json()["message"] == ["limit must be a number conforming to the specified "
                                   "constraints"]
    r = get(highlevel_mock, "/emails/schedule", limit=101, status="sleeping")
    assert r.json()["message"] == [
        "limit must not be greater than 100",
        "status must be one of the following values: active, pause, complete, cancelled, "
        "retry, draft, resend-scheduled"]


def test_bad_json_and_unrouted_methods(highlevel_mock: Any) -> None:
    headers = {"Authorization": f"Bearer {highlevel_mock.token}", "Version": V,
               "Content-Type": "application/json"}
    bad = highlevel_mock.http.post("/blogs/posts", content=b"{nope", headers=headers)
    assert (bad.status_code, bad.json()) == (400, {"statusCode": 400, "message": "Bad Request"})
    listed = highlevel_mock.http.post("/blogs/posts", content=b"[1]", headers=headers)
    assert listed.status_code == 400
    nowhere = highlevel_mock.http.patch("/blogs/posts/abc", headers=headers)
    assert nowhere.json() == {"statusCode": 404, "message": "Cannot PATCH /blogs/posts/abc",
                              "error": "Not Found"}
    with pytest.raises(InvalidRequest):
        highlevel_mock.client().get_blogs(highlevel_mock.location_id, limit=-1)
