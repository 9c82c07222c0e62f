"""Blogs (docs/vendors/highlevel.md §2, B1-B7): sites, posts, slugs, categories, authors.

Blog sites page with `skip`, everything else with `offset` (§4); a post's `urlSlug` is unique
per location (D-4); a SCHEDULED post is published by the clock (D-5, jobs.py); under
`Version: v3` an update needs `wordCount` and the list takes `status=ALL` (D-7).
"""
from __future__ import annotations

from typing import Any

from ....core import iso, op
from ..errors import BLOG_NOT_FOUND, POST_NOT_FOUND, SLUG_TAKEN, TYPE_WORDS, unprocessable
from ..jobs import schedule_publication
from ..model import ApiCall, BlogSite, Location, Post, count, matches, parse_time, window

PUBLIC_STATUSES = ("PUBLISHED", "SCHEDULED", "DRAFT")
UPDATABLE = {"title": "title", "description": "description", "imageUrl": "image_url",
             "imageAltText": "image_alt_text", "status": "status", "author": "author",
             "urlSlug": "url_slug", "canonicalLink": "canonical_link", "blogId": "blog_id"}


def site_json(site: BlogSite) -> dict[str, Any]:
    return {"_id": site.id, "name": site.name}


def post_json(post: Post) -> dict[str, Any]:
    return {"_id": post.id, "title": post.title, "description": post.description,
            "imageUrl": post.image_url, "imageAltText": post.image_alt_text,
            "status": post.status, "archived": post.archived,
            "categories": list(post.categories), "tags": list(post.tags),
            "urlSlug": post.url_slug, "canonicalLink": post.canonical_link,
            "author": post.author, "publishedAt": iso(post.published_at),
            "updatedAt": iso(post.updated_at), "type": post.type,
            "currentVersion": post.current_version}


@op("get_blogs")
def get_blogs(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    sites = (s for s in loc.blogs if matches(s.name, q.get("searchTerm")))
    return {"data": [site_json(s) for s in window(sites, count(q, "skip"), count(q, "limit"))]}


@op("get_blog_posts")
def get_blog_posts(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    blog, status = q["blogId"], q.get("status")
    if status == "ALL" and call.tenant.version != "v3":
        raise unprocessable("status must be one of the following values: "
                            "PUBLISHED, SCHEDULED, ARCHIVED, DRAFT")
    offset, limit = count(q, "offset"), count(q, "limit")
    if status == "ALL":
        ids = list(loc.posts.ids("blog", blog))
    elif status:
        ids = list(loc.posts.ids("blog_status", (blog, status)))
    else:
        ids = list(loc.posts.ids("blog_status", *((blog, s) for s in PUBLIC_STATUSES)))
    term = q.get("searchTerm")
    posts = (p for p in (loc.posts.get(i) for i in reversed(ids))  # newest first
             if p is not None and matches(p.title, term))
    return {"blogs": [post_json(p) for p in window(posts, offset, limit)]}


def check_references(loc: Location, body: dict[str, Any]) -> None:
    """The blog must exist (404); author and categories must be this location's (422)."""
    if "blogId" in body and loc.blogs.by("id", body["blogId"]) is None:
        raise BLOG_NOT_FOUND()
    problems = []
    if "author" in body and loc.authors.by("id", body["author"]) is None:
        problems.append("author must be an author of this location")
    if any(loc.categories.by("id", c) is None for c in body.get("categories", ())):
        problems.append("categories must be categories of this location")
    if problems:
        raise unprocessable(*problems)


def canonical(loc: Location, blog_id: str, slug: str) -> str:
    site = loc.blogs.by("id", blog_id)
    return f"https://{site.domain if site else 'blog.example.com'}/post/{slug}"


@op("create_blog_post")
def create_blog_post(call: ApiCall) -> tuple[int, Any]:
    loc, body, world = call.tenant.location, call.body, call.world
    check_references(loc, body)
    published = parse_time(body["publishedAt"])
    if loc.posts.by("slug", body["urlSlug"]) is not None:
        raise SLUG_TAKEN()
    now = call.clock.now()
    post = Post(
        rid=loc.posts.next_id(), id=world.object_id(), blog_id=body["blogId"],
        title=body["title"], description=body["description"], image_url=body["imageUrl"],
        image_alt_text=body["imageAltText"], raw_html=body["rawHTML"], status=body["status"],
        categories=list(body["categories"]), tags=list(body.get("tags", [])),
        author=body["author"], url_slug=body["urlSlug"],
        canonical_link=body.get("canonicalLink") or canonical(loc, body["blogId"],
                                                               body["urlSlug"]),
        published_at=published, updated_at=now, current_version=world.object_id())
    loc.posts.put(post.rid, post)
    schedule_publication(world, loc, post)
    return 201, {"data": post_json(post)}


@op("update_blog_post")
def update_blog_post(call: ApiCall) -> dict[str, Any]:
    loc, body, world = call.tenant.location, call.body, call.world
    post = loc.posts.by("id", call.params["postId"])
    if post is None:
        raise POST_NOT_FOUND()
    if call.tenant.version == "v3" and "wordCount" not in body:
        raise unprocessable("wordCount should not be empty", f"wordCount {TYPE_WORDS['number']}")
    check_references(loc, body)
    published = parse_time(body["publishedAt"]) if "publishedAt" in body else None
    slug = body.get("urlSlug", post.url_slug)
    holder = loc.posts.by("slug", slug)
    if holder is not None and holder.id != post.id:
        raise SLUG_TAKEN()
    # Everything checked: apply. rawHTML only travels with wordCount (D-3; staff on #103).
    for key, attr in UPDATABLE.items():
        if key in body:
            setattr(post, attr, body[key])
    if "categories" in body:
        post.categories = list(body["categories"])
    if "tags" in body:
        post.tags = list(body["tags"])
    if "wordCount" in body:
        post.word_count = body["wordCount"]
        if "rawHTML" in body:
            post.raw_html = body["rawHTML"]
    if published is not None:
        post.published_at = published
    if "urlSlug" in body and "canonicalLink" not in body:
        post.canonical_link = canonical(loc, post.blog_id, post.url_slug)
    post.updated_at = call.clock.now()
    post.current_version = world.object_id()
    loc.posts.put(post.rid, post)  # re-index slug and status
    schedule_publication(world, loc, post)
    return {"updatedBlogPost": post_json(post)}


@op("check_url_slug_exists")
def check_url_slug_exists(call: ApiCall) -> dict[str, Any]:
    holder = call.tenant.location.posts.by("slug", call.params["urlSlug"])
    exists = holder is not None and holder.id != call.params.get("postId")
    return {"exists": exists}


@op("get_all_categories_by_location")
def get_all_categories_by_location(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    page = window(loc.categories, count(q, "offset"), count(q, "limit"))
    return {"categories": [{"_id": c.id, "label": c.label, "locationId": loc.id,
                            "updatedAt": iso(c.updated_at), "canonicalLink": c.canonical_link,
                            "urlSlug": c.url_slug} for c in page]}


@op("get_all_blog_authors_by_location")
def get_all_blog_authors_by_location(call: ApiCall) -> dict[str, Any]:
    loc, q = call.tenant.location, call.params
    page = window(loc.authors, count(q, "offset"), count(q, "limit"))
    return {"authors": [{"_id": a.id, "name": a.name, "locationId": loc.id,
                         "updatedAt": iso(a.updated_at), "canonicalLink": a.canonical_link}
                        for a in page]}
