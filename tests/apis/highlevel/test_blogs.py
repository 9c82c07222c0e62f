"""HighLevel's Blogs (handlers/blogs.py): sites, posts (create, list, update, slugs),
categories, authors. Facts: docs/vendors/highlevel.md (B1-B7 of §2, D-n = "Decisions for
the fake"); the clock-driven publication is in test_jobs.py."""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.apis.highlevel.model import Post
from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.clients.highlevel import HighLevel
from mailmocks.testing.highlevel import Mock as HighLevelMock

BLOG = "zLTDthc4YJph2m42VEAU"
VENUE_BLOG = "Qm3Hx8Lp2Vd6Wn9Ks4Ta"
EVENTS, MUSIC = "659ecabc4a37969a2b7cc370", "6683abde331c041f32c07aee"
MAJA = "659ec9634a3796e4e47cc360"


def new_post(hl: HighLevel, loc: str, slug: str = "jazz-night", **over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        description="A night of jazz", image_url="https://img.test/jazz.jpg",
        image_alt_text="Saxophone", raw_html="<h1>Jazz night</h1>", status="PUBLISHED",
        categories=[MUSIC], tags=["jazz", "live"], author=MAJA,
        published_at="2026-05-01T18:00:00.000Z")
    fields.update(over)
    post: dict[str, Any] = hl.create_blog_post(loc, BLOG, title="Jazz night", url_slug=slug,
                                               **fields)["data"]
    return post


def stored_post(mock: HighLevelMock, post_id: str) -> Post:
    post = mock.location.posts.by("id", post_id)
    assert post is not None
    return post


def test_blog_sites_page_with_skip_and_search(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    assert hl.get_blogs(loc) == {"data": [
        {"_id": BLOG, "name": "Aurora Events Blog"},
        {"_id": VENUE_BLOG, "name": "Aurora Venue News"}]}
    assert hl.get_blogs(loc, skip=1, limit=5)["data"] == [
        {"_id": VENUE_BLOG, "name": "Aurora Venue News"}]
    assert hl.get_blogs(loc, search_term="VENUE")["data"][0]["_id"] == VENUE_BLOG
    assert hl.get_blogs(loc, limit=0) == {"data": []}


def test_categories_and_authors_page_with_offset(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    cats = hl.get_all_categories_by_location(loc, limit=2, offset=1)["categories"]
    assert [c["label"] for c in cats] == ["Music", "Food & Drink"]
    assert cats[0] == {"_id": MUSIC, "label": "Music", "locationId": loc,
                       "updatedAt": cats[0]["updatedAt"], "urlSlug": "music",
                       "canonicalLink": "https://blog.aurora-events.test/category/music"}
    authors = hl.get_all_blog_authors_by_location(loc, limit=10)["authors"]
    assert [a["name"] for a in authors] == ["Maja Jensen", "Oliver Hansen", "Aurora Events Team"]
    assert set(authors[0]) == {"_id", "name", "locationId", "updatedAt", "canonicalLink"}


def test_create_answers_201_with_the_post_and_lists_it_first(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    post = new_post(hl, loc)
    assert highlevel_mock.last_status == 201
    assert post["urlSlug"] == "jazz-night" and post["status"] == "PUBLISHED"
    assert post["archived"] is False and post["categories"] == [MUSIC] and post["author"] == MAJA
    assert post["canonicalLink"] == "https://blog.aurora-events.test/post/jazz-night"
    assert post["publishedAt"] == "2026-05-01T18:00:00.000Z" and len(post["_id"]) == 24
    assert "rawHTML" not in post
    listed = hl.get_blog_posts(loc, BLOG, limit=1)["blogs"]
    assert listed == [post]
    assert hl.check_url_slug_exists(loc, "jazz-night") == {"exists": True}
    assert hl.check_url_slug_exists(loc, "jazz-night", post_id=post["_id"]) == {"exists": False}
    assert hl.check_url_slug_exists(loc, "no-such-slug") == {"exists": False}


def test_post_listing_filters_by_status_and_pages_with_offset(
        highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    every = hl.get_blog_posts(loc, BLOG, limit=100)["blogs"]
    assert len(every) == 28 and {p["status"] for p in every} == {
        "PUBLISHED", "DRAFT", "SCHEDULED"}  # archived posts only on request
    assert [p["urlSlug"] for p in hl.get_blog_posts(loc, BLOG, limit=5, status="DRAFT")[
        "blogs"]] == ["summer-line-up-draft"]
    page2 = hl.get_blog_posts(loc, BLOG, limit=10, offset=10)["blogs"]
    assert page2 == every[10:20]
    archived = hl.get_blog_posts(loc, VENUE_BLOG, limit=5, status="ARCHIVED")["blogs"]
    assert archived[0]["archived"] is True
    assert hl.get_blog_posts(loc, VENUE_BLOG, limit=5)["blogs"] == []
    assert hl.get_blog_posts(loc, BLOG, limit=5, search_term="SEASON")["blogs"][0][
        "urlSlug"] == "season-2026"
    assert hl.get_blog_posts(loc, "unknownBlog", limit=5) == {"blogs": []}


def test_status_all_needs_version_v3(highlevel_mock: HighLevelMock) -> None:
    loc = highlevel_mock.location_id
    with pytest.raises(InvalidRequest) as info:
        highlevel_mock.client().get_blog_posts(loc, VENUE_BLOG, status="ALL")
    assert info.value.body["message"] == [
        "status must be one of the following values: PUBLISHED, SCHEDULED, ARCHIVED, DRAFT"]
    v3 = highlevel_mock.client(version="v3")
    assert len(v3.get_blog_posts(loc, VENUE_BLOG, status="ALL")["blogs"]) == 1


def test_slugs_are_unique_per_location(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    before = len(highlevel_mock.location.posts)
    with pytest.raises(InvalidRequest) as info:
        new_post(hl, loc, slug="welcome")
    assert (info.value.status, info.value.body) == (400, {
        "statusCode": 400, "message": "URL slug already exists", "error": "Bad Request"})
    assert len(highlevel_mock.location.posts) == before  # nothing stored
    theirs = highlevel_mock.client(highlevel_mock.other_token)
    assert theirs.check_url_slug_exists(highlevel_mock.other_location_id, "jazz-night") == {
        "exists": False}


def test_create_checks_references_and_required_fields(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    with pytest.raises(NotFound) as nf:
        hl.create_blog_post(loc, "noSuchBlog", title="x", url_slug="x", description="d",
                            image_url="u", image_alt_text="a", raw_html="<p/>",
                            status="DRAFT", categories=[], author=MAJA,
                            published_at="2026-01-01T00:00:00Z")
    assert nf.value.body == {"statusCode": 404, "message": "Blog not found", "error": "Not Found"}
    with pytest.raises(InvalidRequest) as bad:
        new_post(hl, loc, author="7701c9634a3796e4e47cc301", categories=["nope"])
    assert bad.value.body["message"] == ["author must be an author of this location",
                                         "categories must be categories of this location"]
    with pytest.raises(InvalidRequest) as missing:
        hl.create_blog_post(loc, BLOG, title="x", url_slug="x", status="LIVE")
    assert "description should not be empty" in missing.value.body["message"]
    assert ("status must be one of the following values: DRAFT, PUBLISHED, SCHEDULED, ARCHIVED"
            in missing.value.body["message"])
    before = len(highlevel_mock.location.posts)
    for when in ("next tuesday", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        with pytest.raises(InvalidRequest) as dated:
            new_post(hl, loc, published_at=when)
        assert dated.value.body["message"] == [
            "publishedAt must be a valid ISO 8601 date string"]
    assert len(highlevel_mock.location.posts) == before
    with pytest.raises(InvalidRequest) as extra:
        new_post(hl, loc, word_count=12)
    assert extra.value.body["message"] == ["property wordCount should not exist"]


def test_update_is_partial_and_raw_html_needs_word_count(highlevel_mock: HighLevelMock) -> None:
    hl, loc = highlevel_mock.client(), highlevel_mock.location_id
    post = new_post(hl, loc)
    stored = stored_post(highlevel_mock, post["_id"])
    updated = hl.update_blog_post(post["_id"], loc, title="Jazz night (sold out)",
                                  raw_html="<h1>ignored</h1>")["updatedBlogPost"]
    assert updated["title"] == "Jazz night (sold out)" and updated["tags"] == ["jazz", "live"]
    assert updated["currentVersion"] != post["currentVersion"]
    assert stored.raw_html == "<h1>Jazz night</h1>"  # #103/#334: no wordCount, no body change
    hl.update_blog_post(post["_id"], loc, raw_html="<h1>New body</h1>", word_count=2)
    assert stored.raw_html == "<h1>New body</h1>" and stored.word_count == 2
    moved = hl.update_blog_post(post["_id"], url_slug="jazz-night-2026")["updatedBlogPost"]
    assert moved["canonicalLink"].endswith("/post/jazz-night-2026")
    assert hl.check_url_slug_exists(loc, "jazz-night") == {"exists": False}
    archived = hl.update_blog_post(post["_id"], loc, status="ARCHIVED")["updatedBlogPost"]
    assert archived["archived"] is True
    with pytest.raises(InvalidRequest):
        hl.update_blog_post(post["_id"], loc, url_slug="welcome")  # taken
    with pytest.raises(NotFound) as nf:
        hl.update_blog_post("66c381b38be80858b9af62b6", loc, title="x")
    assert nf.value.body == {"statusCode": 404, "message": "Blog post not found",
                             "error": "Not Found"}


def test_update_under_v3_requires_word_count(highlevel_mock: HighLevelMock) -> None:
    loc = highlevel_mock.location_id
    post = new_post(highlevel_mock.client(), loc)
    v3 = highlevel_mock.client(version="v3")
    with pytest.raises(InvalidRequest) as info:
        v3.update_blog_post(post["_id"], loc, title="x")
    assert info.value.body["message"] == [
        "wordCount should not be empty",
        "wordCount must be a number conforming to the specified constraints"]
    assert v3.update_blog_post(post["_id"], loc, title="x", word_count=1)[
        "updatedBlogPost"]["title"] == "x"
