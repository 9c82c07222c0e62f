"""HighLevel API v2, Blogs and Emails (builder, schedule), as the real service behaves.

Facts: ../shared/api-facts/highlevel.md; contract: contracts/highlevel.yaml, whose
info.description lists the decisions taken where the vendor's docs are silent.

- Every call sends `Version: 2021-07-28` (or `v3`) and `Authorization: Bearer <token>`; a token
  belongs to one location and holds scopes. Checked in this order: Version, token, scope,
  location, rate limit, then validation.
- Errors are NestJS-shaped `{statusCode, message[, error]}`; 422 lists every problem in a
  `message` array, class-validator style, unknown properties included.
- 100 requests per 10 s and 200,000 per day per token and location, with X-RateLimit-* headers.
- Blog sites page with `skip`, everything else with `offset`; posts carry a unique `urlSlug`
  and SCHEDULED posts are published by the clock.
- Email templates: created (201 `{redirect, traceId}`), saved through /emails/builder/data,
  listed, deleted; their `previewUrl` is a sandbox page rendering the saved HTML.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from ...core import (
    Api,
    Call,
    CheckSettings,
    HttpError,
    Policy,
    Problem,
    Reply,
    Services,
    Window,
    iso,
    json_reply,
)
from ...core.contract import Operation
from ...core.ratelimit import Decision
from ...core.resources import fixture_path
from .state import (
    ALL_SCOPES,
    VERSIONS,
    Auth,
    BlogSite,
    Location,
    Post,
    Schedule,
    Template,
    World,
)

DAY = 86_400.0
F = TypeVar("F", bound=Callable[[Call[World]], Any])
PREVIEW_PATH = "/_sandbox/emails/preview/{template_id}"
DOWNLOAD_PATH = "/_sandbox/emails/download/{template_id}"


# -- errors, worded as the vendor words them ----------------------------------------------
def error(status: int, message: str, title: str | None = None) -> HttpError:
    body: dict[str, Any] = {"statusCode": status, "message": message}
    if title is not None:
        body["error"] = title
    return HttpError(json_reply(status, body))


def unprocessable(*messages: str) -> HttpError:
    return HttpError(json_reply(422, {"statusCode": 422, "message": list(messages),
                                      "error": "Unprocessable Entity"}))


VERSION_MISSING = (401, "version header was not found.")
VERSION_INVALID = (401, "version header is invalid")
INVALID_TOKEN = (401, "Invalid token: access token is invalid", "Unauthorized")
SCOPE_MISSING = (401, "The token is not authorized for this scope.")
OTHER_LOCATION = (403, "The token does not have access to this location")
BAD_REQUEST = (400, "Bad Request")
TOO_MANY = (429, "Too Many Requests")
NOT_FOUND = (404, "Not Found", "The requested resource was not found")  # the Emails DTO
POST_NOT_FOUND = (404, "Blog post not found", "Not Found")
BLOG_NOT_FOUND = (404, "Blog not found", "Not Found")
SLUG_TAKEN = (400, "URL slug already exists", "Bad Request")


def fail(spec: tuple[Any, ...]) -> HttpError:
    return error(*spec)


# -- class-validator wording for schema problems ------------------------------------------
TYPE_WORDS = {
    "string": "must be a string",
    "number": "must be a number conforming to the specified constraints",
    "integer": "must be an integer number",
    "boolean": "must be a boolean value",
    "array": "must be an array",
    "object": "must be an object",
}


def field_schema(op: Operation, location: str, path: str) -> dict[str, Any]:
    """The schema of a (dotted) field of the request, or {} when unknown."""
    parts = path.split(".") if path else []
    if location != "body":
        param = next((p for p in op.parameters if parts and p.name == parts[0]), None)
        return param.schema if param else {}
    schema: Any = op.body_validator.schema if op.body_validator else {}
    for part in parts:
        if not isinstance(schema, dict):
            return {}
        if part.isdigit():
            schema = schema.get("items", {})
        else:
            schema = schema.get("properties", {}).get(part, {})
    return schema if isinstance(schema, dict) else {}


def messages_for(op: Operation, problem: Problem) -> list[str]:
    name = problem.field
    schema = field_schema(op, problem.location, name)
    kw = problem.keyword
    if kw == "additionalProperties":
        prefix = f"{name}." if name else ""
        return [f"property {prefix}{extra} should not exist"
                for extra in re.findall(r"'([^']*)'", problem.message)]
    parent, _, last = name.rpartition(".")
    if last.isdigit():  # an item of an array: "each value in tags must be a string"
        item = field_schema(op, problem.location, parent).get("items", {})
        words = TYPE_WORDS.get(str(item.get("type")), "is invalid")
        return [f"each value in {parent} {words}"]
    if kw == "required":
        out = [f"{name} should not be empty"]
        kind = TYPE_WORDS.get(str(schema.get("type")))
        return out + [f"{name} {kind}"] if kind else out
    if kw == "type":
        if schema.get("type") == "object" and "." not in name:
            return [f"nested property {name} must be either object or array"]
        return [f"{name} {TYPE_WORDS.get(str(schema.get('type')), 'is invalid')}"]
    if kw == "enum":
        return [f"{name} must be one of the following values: {', '.join(schema['enum'])}"]
    if kw == "minimum":
        return [f"{name} must not be less than {_num(schema['minimum'])}"]
    if kw == "maximum":
        return [f"{name} must not be greater than {_num(schema['maximum'])}"]
    if kw == "minLength":
        return [f"{name} should not be empty"]
    if kw == "format":
        return [f"{name} must be a valid ISO 8601 date string"]
    return [f"{name} is invalid"]


def _num(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def unknown_query(call: Call[World]) -> list[str]:
    declared = {p.name for p in call.op.parameters if p.location == "query"}
    return [f"property {k} should not exist" for k in dict.fromkeys(call.query.keys())
            if k not in declared]


def count(call: Call[World], name: str, default: int = 0) -> int:
    """A paging number from the query (validated >= 0); class-validator refuses NaN/Infinity."""
    value = call.params.get(name, default)
    if not math.isfinite(value):
        raise unprocessable(f"{name} {TYPE_WORDS['number']}")
    return int(value)


def parse_time(value: str) -> float:
    """An ISO-8601 date-time that stays within years 1-9999 once in UTC, else the 422."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).timestamp()
    except (ValueError, OverflowError):
        raise unprocessable("publishedAt must be a valid ISO 8601 date string") from None


# -- the API -------------------------------------------------------------------------------
class HighLevelApi(Api[World]):
    name = "highlevel"
    title = "HighLevel API v2 (Blogs, Emails)"
    contract_file = "highlevel.yaml"
    vendor_base_url = "https://services.leadconnectorhq.com"
    vendor_hosts = ("services.leadconnectorhq.com",)
    checks = CheckSettings(
        excluded_checks={"unsupported_method": "NestJS answers a method with no route 404 "
                                               "`Cannot <METHOD> <path>` (assumption J)"},
        expected_statuses={
            "400": "a taken urlSlug; in the v3 Email API a campaign that is no draft or has "
                   "no content",
            "401": "a Version header the operation does not take",
            "403": "a generated locationId of another location",
            "404": "an unknown blog, post, template or campaign",
            "409": "scheduling a v3 campaign that is no draft",
            "422": "an author or category of no location; `ALL` or a missing wordCount "
                   "outside Version v3; contacts, tags or a time zone that do not exist",
        })

    def check_credentials(self, world: World) -> dict[str, str]:
        token = next(t for t in world.tokens.values()
                     if t.location_id == world.default.id and t.name == "All scopes")
        return {"Location-Access": token.value}

    def pin_generated(self, world: World, where: str, values: dict[str, Any]) -> None:
        """Generated strings never name this location or its blogs, authors, categories or
        templates (403/404/422 every time): point the schema-valid ones at real records.
        Missing or mistyped values stay as generated, so negative cases stay negative; path
        template ids stay random, the stateful links feed them real ones."""
        loc = world.default
        pins = {"locationId": loc.id, "blogId": next(iter(loc.blogs)).id,
                "author": next(iter(loc.authors)).id,
                "templateId": next(t.id for t in loc.templates if t.template_type == "html")}
        for name, value in pins.items():
            if isinstance(values.get(name), str) and not (name == "templateId"
                                                          and where == "path"):
                values[name] = value
        cats = values.get("categories")
        if isinstance(cats, list) and all(isinstance(c, str) for c in cats):
            values["categories"] = [next(iter(loc.categories)).id] * min(len(cats), 1)

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        from .fixtures import load_world
        return load_world(services, fixtures or str(fixture_path("highlevel.yaml")), seed)

    def describe(self, world: World) -> list[str]:
        lines = []
        for token in world.tokens.values():
            scopes = "" if token.scopes >= ALL_SCOPES else ": " + ", ".join(sorted(token.scopes))
            lines.append(f"location {token.location_id}: Bearer {token.value} "
                         f"({token.name}{scopes})")
        lines.append("send `Version: 2021-07-28` (`v3` on /emails/locations/...); Billetto "
                     "webhooks: POST "
                     "/highlevel/_sandbox/billetto/emit, secret " + world.billetto_secret)
        return lines

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        from .sandbox import routes
        return routes(world, services)

    def authenticate(self, call: Call[World]) -> None:
        version = call.headers.get("version")
        if version is None:
            raise fail(VERSION_MISSING)
        if version not in versions_for(call.op):  # the v3 Email API answers only `v3`
            raise fail(VERSION_INVALID)
        scheme, _, value = call.headers.get("authorization", "").partition(" ")
        token = call.world.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise fail(INVALID_TOKEN)
        if not required_scopes(call.op) <= token.scopes:  # scope before location (observed)
            raise fail(SCOPE_MISSING)
        asked = requested_location(call)
        if isinstance(asked, str) and asked != token.location_id:
            raise fail(OTHER_LOCATION)
        call.tenant = Auth(token, call.world.locations[token.location_id], version)
        call.credential = token.name

    def rate_limit(self, call: Call[World]) -> list[Window]:
        auth: Auth = call.tenant
        world = call.world
        key = f"highlevel:{auth.token.value}:{auth.location.id}"
        return [Window(key, Policy(world.burst_limit, world.burst_window)),
                Window(key + ":day", Policy(world.daily_limit, DAY))]

    def rate_limited(self, call: Call[World], decision: Decision) -> Reply:
        return fail(TOO_MANY).reply

    def rate_headers(self, call: Call[World], decisions: Sequence[Decision]) -> dict[str, str]:
        world = call.world
        burst, daily = decisions
        burst_left = burst.remaining if daily.allowed else 0
        return {"X-RateLimit-Limit-Daily": str(world.daily_limit),
                "X-RateLimit-Daily-Remaining": str(daily.remaining),
                "X-RateLimit-Interval-Milliseconds": str(int(world.burst_window * 1000)),
                "X-RateLimit-Max": str(world.burst_limit),
                "X-RateLimit-Remaining": str(burst_left)}

    def invalid(self, call: Call[World], problems: list[Problem]) -> Reply:
        op = call.op
        if any(p.location == "body" and p.field == "" and p.keyword == "type" for p in problems):
            return fail(BAD_REQUEST).reply  # a JSON body that is not an object
        if any(p.location == "body" and p.field == "" and p.keyword == "required"
               for p in problems) and op.body_validator is not None:
            # no body at all: class-validator reports every required field of an empty one
            problems = [p for p in problems if p.location != "body"]
            problems += op.body_validator.problems({}, "body")
        messages = unknown_query(call)
        for problem in problems:
            messages += [m for m in messages_for(op, problem) if m not in messages]
        if not messages:  # a body required but absent, with no field of it required
            return fail(BAD_REQUEST).reply
        return unprocessable(*messages).reply

    def malformed(self, call: Call[World], reason: str) -> Reply:
        return fail(BAD_REQUEST).reply

    def too_large(self, call: Call[World]) -> Reply:
        return error(413, "request entity too large", "Payload Too Large").reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return error(404, f"Cannot {method} {path}", "Not Found").reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return self.unknown_route(method, path)

    def internal_error(self, call: Call[World], exc: Exception) -> Reply:
        return error(500, "Internal server error").reply

    # Handlers: unknown query properties are a 422 before anything else happens.
    def handler(self, *operation_ids: str) -> Callable[[F], F]:
        register = self.op(*operation_ids)

        def wrap(fn: F) -> F:
            def checked(call: Call[World]) -> Any:
                extra = unknown_query(call)
                if extra:
                    raise unprocessable(*extra)
                return fn(call)
            checked.__name__ = checked.__qualname__ = fn.__name__
            register(checked)
            return fn
        return wrap


def versions_for(op: Operation) -> tuple[str, ...]:
    """The Version values the operation declares (its header parameter's enum)."""
    param = next((p for p in op.parameters
                  if p.location == "header" and p.name.lower() == "version"), None)
    return tuple(param.schema.get("enum", VERSIONS)) if param else VERSIONS


def required_scopes(op: Operation) -> frozenset[str]:
    needed: set[str] = set()
    for alternative in op.spec.get("security") or []:
        for scopes in alternative.values():
            needed.update(scopes)
    return frozenset(needed)


def requested_location(call: Call[World]) -> Any:
    """The locationId the request names: path, else query, else body."""
    if "locationId" in call.path_params:
        return call.path_params["locationId"]
    if "locationId" in call.query:
        return call.query["locationId"]
    if isinstance(call.body, dict):
        return call.body.get("locationId")
    return None


api = HighLevelApi()


def location_of(call: Call[World]) -> Location:
    auth: Auth = call.tenant
    return auth.location


def window(items: Any, offset: int, limit: int) -> list[Any]:
    out = []
    for i, item in enumerate(items):
        if i >= offset + limit:
            break
        if i >= offset:
            out.append(item)
    return out


def matches(text: str, term: str | None) -> bool:
    return not term or term.lower() in text.lower()


# -- Blogs ---------------------------------------------------------------------------------
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


@api.handler("get_blogs")
def get_blogs(call: Call[World]) -> dict[str, Any]:
    loc = location_of(call)
    term = call.params.get("searchTerm")
    sites = (s for s in loc.blogs if matches(s.name, term))
    return {"data": [site_json(s) for s in window(sites, count(call, "skip"),
                                                   count(call, "limit"))]}


PUBLIC_STATUSES = ("PUBLISHED", "SCHEDULED", "DRAFT")


@api.handler("get_blog_posts")
def get_blog_posts(call: Call[World]) -> dict[str, Any]:
    loc = location_of(call)
    auth: Auth = call.tenant
    blog, status = call.params["blogId"], call.params.get("status")
    if status == "ALL" and auth.version != "v3":
        raise unprocessable("status must be one of the following values: "
                            "PUBLISHED, SCHEDULED, ARCHIVED, DRAFT")
    offset, limit = count(call, "offset"), count(call, "limit")
    if status == "ALL":
        ids = list(loc.posts.ids("blog", blog))
    elif status:
        ids = list(loc.posts.ids("blog_status", (blog, status)))
    else:
        ids = list(loc.posts.ids("blog_status", *((blog, s) for s in PUBLIC_STATUSES)))
    term = call.params.get("searchTerm")
    posts = (p for p in (loc.posts.get(i) for i in reversed(ids))  # newest first
             if p is not None and matches(p.title, term))
    return {"blogs": [post_json(p) for p in window(posts, offset, limit)]}


def check_references(loc: Location, body: dict[str, Any]) -> None:
    """The blog must exist (404); author and categories must be this location's (422)."""
    if "blogId" in body and loc.blogs.by("id", body["blogId"]) is None:
        raise fail(BLOG_NOT_FOUND)
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


@api.handler("create_blog_post")
def create_blog_post(call: Call[World]) -> tuple[int, Any]:
    loc, body, world = location_of(call), call.body, call.world
    check_references(loc, body)
    published = parse_time(body["publishedAt"])
    if loc.posts.by("slug", body["urlSlug"]) is not None:
        raise fail(SLUG_TAKEN)
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


UPDATABLE = {"title": "title", "description": "description", "imageUrl": "image_url",
             "imageAltText": "image_alt_text", "status": "status", "author": "author",
             "urlSlug": "url_slug", "canonicalLink": "canonical_link", "blogId": "blog_id"}


@api.handler("update_blog_post")
def update_blog_post(call: Call[World]) -> dict[str, Any]:
    loc, body, world = location_of(call), call.body, call.world
    auth: Auth = call.tenant
    post = loc.posts.by("id", call.params["postId"])
    if post is None:
        raise fail(POST_NOT_FOUND)
    if auth.version == "v3" and "wordCount" not in body:
        raise unprocessable("wordCount should not be empty", f"wordCount {TYPE_WORDS['number']}")
    check_references(loc, body)
    published = parse_time(body["publishedAt"]) if "publishedAt" in body else None
    slug = body.get("urlSlug", post.url_slug)
    holder = loc.posts.by("slug", slug)
    if holder is not None and holder.id != post.id:
        raise fail(SLUG_TAKEN)
    # Everything checked: apply. rawHTML only travels with wordCount (staff answer, #103).
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


def schedule_publication(world: World, loc: Location, post: Post) -> None:
    """A SCHEDULED post goes live when the clock reaches its publishedAt (decision 5)."""
    jobs = world.services.jobs
    if post.job is not None:
        jobs.cancel(post.job)
        post.job = None
    if post.status != "SCHEDULED":
        return

    def publish() -> None:
        post.job = None
        if post.status == "SCHEDULED" and loc.posts.get(post.rid) is post:
            post.status = "PUBLISHED"
            post.updated_at = world.services.clock.now()
            loc.posts.put(post.rid, post)

    at = max(post.published_at, world.services.clock.now())
    post.job = jobs.submit(publish, at=at, name=f"highlevel:publish:{post.id}")


@api.handler("check_url_slug_exists")
def check_url_slug_exists(call: Call[World]) -> dict[str, Any]:
    holder = location_of(call).posts.by("slug", call.params["urlSlug"])
    exists = holder is not None and holder.id != call.params.get("postId")
    return {"exists": exists}


@api.handler("get_all_categories_by_location")
def get_all_categories_by_location(call: Call[World]) -> dict[str, Any]:
    loc = location_of(call)
    page = window(loc.categories, count(call, "offset"), count(call, "limit"))
    return {"categories": [{"_id": c.id, "label": c.label, "locationId": loc.id,
                            "updatedAt": iso(c.updated_at), "canonicalLink": c.canonical_link,
                            "urlSlug": c.url_slug} for c in page]}


@api.handler("get_all_blog_authors_by_location")
def get_all_blog_authors_by_location(call: Call[World]) -> dict[str, Any]:
    loc = location_of(call)
    page = window(loc.authors, count(call, "offset"), count(call, "limit"))
    return {"authors": [{"_id": a.id, "name": a.name, "locationId": loc.id,
                         "updatedAt": iso(a.updated_at), "canonicalLink": a.canonical_link}
                        for a in page]}


# -- Emails: builder -----------------------------------------------------------------------
def preview_url(call: Call[World], template: Template) -> str:
    if template.template_type == "folder":
        return ""
    return call.base_url + PREVIEW_PATH.format(template_id=template.id)


def template_json(call: Call[World], t: Template) -> dict[str, Any]:
    return {"name": t.name, "updatedBy": t.updated_by, "isPlainText": t.is_plain_text,
            "lastUpdated": iso(t.last_updated), "dateAdded": iso(t.date_added),
            "previewUrl": preview_url(call, t), "id": t.id, "version": t.version,
            "templateType": t.template_type, "parentId": t.parent_id, "archived": t.archived}


@api.handler("fetch_template")
def fetch_template(call: Call[World]) -> dict[str, Any]:
    loc, q = location_of(call), call.params
    name, parent = (q.get("name") or "").lower(), q.get("parentId") or ""
    chosen = [t for t in loc.templates
              if t.archived == q.get("archived", False)
              and matches(t.name, q.get("search"))
              and (not name or t.name.lower() == name)
              and (not parent or t.parent_id == parent)
              and (not q.get("builderVersion") or t.version == q["builderVersion"])
              and not (q.get("templatesOnly") and t.template_type == "folder")]
    chosen.sort(key=lambda t: (t.date_added, t.rid), reverse=q.get("sortByDate") != "asc")
    page = window(chosen, count(call, "offset"), count(call, "limit", 10))
    return {"builders": [template_json(call, t) for t in page], "traceId": call.world.trace_id()}


TEMPLATE_TYPES = {"html": "html", "import": "html", "builder": "builder", "blank": "builder",
                  "folder": "folder"}


@api.handler("create_template")
def create_template(call: Call[World]) -> tuple[int, Any]:
    loc, body, world = location_of(call), call.body, call.world
    kind = body["type"]
    if kind == "import":
        missing = [f for f in ("importProvider", "importURL") if not body.get(f)]
        if missing:
            raise unprocessable(*(f"{f} should not be empty" for f in missing))
    parent = body.get("parentId") or ""
    if parent:
        folder = loc.templates.by("id", parent)
        if folder is None or folder.template_type != "folder":
            raise fail(NOT_FOUND)
    now = call.clock.now()
    default = "New Folder" if kind == "folder" else "New Template"
    template = Template(
        rid=loc.templates.next_id(), id=world.short_id(),
        name=body.get("name") or body.get("title") or default,
        template_type=TEMPLATE_TYPES[kind], updated_by=body.get("updatedBy", ""),
        version=body.get("builderVersion", "2"), date_added=now, last_updated=now,
        parent_id=parent, is_plain_text=bool(body.get("isPlainText", False)),
        template_source=body.get("templateSource"))
    loc.templates.put(template.rid, template)
    return 201, {"redirect": template.id, "traceId": world.trace_id()}


def find_template(loc: Location, template_id: str) -> Template:
    template = loc.templates.by("id", template_id)
    if template is None:
        raise fail(NOT_FOUND)
    return template


@api.handler("update_template")
def update_template(call: Call[World]) -> tuple[int, Any]:
    loc, body = location_of(call), call.body
    template = find_template(loc, body["templateId"])
    if template.template_type == "folder":
        raise fail(NOT_FOUND)  # a folder has no content to save
    if body["editorType"] == "builder" and "dnd" not in body:
        raise unprocessable("dnd should not be empty", "nested property dnd must be either "
                            "object or array")
    template.html = body["html"]
    template.dnd = body.get("dnd")
    template.editor_type = body["editorType"]
    template.updated_by = body["updatedBy"]
    template.preview_text = body.get("previewText", template.preview_text)
    template.is_plain_text = bool(body.get("isPlainText", template.is_plain_text))
    template.last_updated = call.clock.now()
    return 201, {"ok": "true", "traceId": call.world.trace_id(),
                 "previewUrl": preview_url(call, template),
                 "templateDownloadUrl": call.base_url + DOWNLOAD_PATH.format(
                     template_id=template.id)}


@api.handler("delete_template")
def delete_template(call: Call[World]) -> dict[str, Any]:
    loc = location_of(call)
    remove_template(loc, find_template(loc, call.params["templateId"]))
    return {"ok": "true", "traceId": call.world.trace_id()}


def remove_template(loc: Location, template: Template) -> None:
    """Delete a template or folder; a folder's children move to the top level."""
    loc.templates.delete(template.rid)
    if template.template_type == "folder":
        for child in loc.templates:
            if child.parent_id == template.id:
                child.parent_id = ""


# -- Emails: schedule ----------------------------------------------------------------------
LIMITED_FIELDS = ("id", "templateDataDownloadUrl", "updatedAt", "type", "templateType",
                  "templateId", "downloadUrl", "isPlainText")


def schedule_matches(s: Schedule, q: dict[str, Any]) -> bool:
    f = s.fields
    email_status = q.get("emailStatus")
    return (f["status"] == q.get("status", "active")
            and (email_status in (None, "all") or s.email_status == email_status)
            and (not q.get("name") or f["name"].lower() == q["name"].lower())
            and (not q.get("parentId") or f["parentId"] == q["parentId"])
            and ("archived" not in q or f["archived"] == q["archived"])
            and not (q.get("campaignsOnly") and f["campaignType"] == "folder"))


@api.handler("fetch_campaigns")
def fetch_campaigns(call: Call[World]) -> dict[str, Any]:
    loc, q = location_of(call), call.params
    chosen = [s for s in loc.schedules if schedule_matches(s, q)]
    page = window(chosen, count(call, "offset"), count(call, "limit", 10))
    if q.get("limitedFields"):
        items = [{k: (s.fields["campaignType"] if k == "type" else s.fields[k])
                  for k in LIMITED_FIELDS} for s in page]
    else:
        items = [dict(s.fields) for s in page]
    return {"schedules": items, "total": len(chosen), "traceId": call.world.trace_id()}
