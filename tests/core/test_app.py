"""The request path on a toy API defined here: the engine needs nothing vendor-specific."""
from __future__ import annotations

import functools
import sys
import types
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import httpx
import pytest

from mailmocks.core import (
    Api,
    ApiApp,
    Call,
    Contract,
    ContractViolation,
    HttpError,
    Policy,
    Reply,
    Services,
    Window,
    json_reply,
    op,
)
from mailmocks.core.ratelimit import Decision
from mailmocks.transport import SyncASGITransport

TOY = {
    "openapi": "3.1.0",
    "info": {"title": "toy", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                               "name": "x-key"}},
                   "schemas": {"Thing": {"type": "object", "required": ["id", "name"],
                                         "properties": {"id": {"type": "integer"},
                                                        "name": {"type": "string"}}}}},
    "security": [{"key": []}],
    "paths": {
        "/things": {"post": {
            "operationId": "create_thing",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1}}}}}},
            "responses": {"201": {"description": "made", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}},
                "default": {"description": "error", "content": {"application/json": {
                    "schema": {"type": "object"}}}}}}},
        "/things/{thing_id}": {"get": {
            "operationId": "get_thing",
            "parameters": [{"name": "thing_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}},
                           {"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"200": {"description": "it", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}},
                "default": {"description": "error", "content": {"application/json": {
                    "schema": {"type": "object"}}}}}}},
    },
}


class ToyApi(Api[dict[int, dict[str, Any]]]):
    name = "toy"
    handler_modules = (sys.modules[__name__],)  # the @op functions below

    @functools.cached_property
    def contract(self) -> Contract:
        return Contract(TOY)

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> dict[int, dict[str, Any]]:
        return {}

    def authenticate(self, call: Call[Any]) -> None:
        if call.headers.get("x-key") != "sesame":
            raise HttpError(json_reply(401, {"why": "no key"}))
        call.tenant = "t1"

    def rate_limit(self, call: Call[Any]) -> tuple[str, Policy]:
        return "toy:sesame", Policy(limit=3, window=10)

    def rate_limited(self, call: Call[Any], decision: Decision) -> Reply:
        return json_reply(429, {"why": "slow down", "reset": round(decision.reset_after)})


toy = ToyApi()


@op("create_thing")
def create_thing(call: Call[dict[int, dict[str, Any]]]) -> Reply:
    tid = len(call.world) + 1
    call.world[tid] = {"id": tid, "name": call.body["name"]}
    if call.body["name"] == "off-contract":
        return json_reply(201, {"id": "not an int"})
    return json_reply(201, call.world[tid])


@op("get_thing")
def get_thing(call: Call[dict[int, dict[str, Any]]]) -> dict[str, Any]:
    thing = call.world.get(call.params["thing_id"])
    if thing is None:
        raise HttpError(json_reply(404, {"why": "none"}))
    return thing


@pytest.fixture
def services() -> Services:
    services = Services()
    services.clock.freeze()
    return services


@pytest.fixture
def app(services: Services) -> ApiApp:
    return ApiApp(toy, toy.new_world(services), services, strict=True)


@pytest.fixture
def http(app: ApiApp) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://toy",
                      headers={"x-key": "sesame"}) as client:
        yield client


def test_happy_path_coerces_params_and_journals_without_secrets(
        http: httpx.Client, services: Services) -> None:
    assert http.post("/things", json={"name": "a"}).status_code == 201
    got = http.get("/things/1", params={"verbose": "true"})
    assert got.json() == {"id": 1, "name": "a"}
    entries = services.journal.entries("toy")
    assert [e.operation for e in entries] == ["create_thing", "get_thing"]
    assert entries[1].query == {"verbose": "true"} and entries[1].status == 200


def test_auth_runs_before_validation(http: httpx.Client) -> None:
    r = http.post("/things", json={"name": ""}, headers={"x-key": "wrong"})
    assert (r.status_code, r.json()) == (401, {"why": "no key"})


def test_validation_problems_reach_the_vendor_hook(http: httpx.Client) -> None:
    r = http.post("/things", json={"name": ""})
    assert r.status_code == 422 and "name" in r.json()["message"]
    assert http.post("/things").status_code == 422  # the body is required
    assert http.get("/things/abc").status_code == 422


def test_malformed_and_oversized_bodies_are_clean_4xx(http: httpx.Client, app: ApiApp) -> None:
    r = http.post("/things", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 400
    deep = b"[" * 5000 + b"]" * 5000
    assert http.post("/things", content=deep,
                     headers={"content-type": "application/json"}).status_code == 400
    big = b'{"name": "' + b"x" * (toy.max_body_bytes + 1) + b'"}'
    assert http.post("/things", content=big).status_code == 413
    assert app.world == {}  # nothing stored by any of them


def test_the_journal_keeps_every_problem_the_fault_and_redacted_headers(
        http: httpx.Client, services: Services) -> None:
    http.post("/things", json={"name": "", "extra": 1}, headers={"authorization": "Bearer s3"})
    services.faults.add(api="toy", operation="get_thing", status=503, times=1)
    http.get("/things/1")
    bad, faulted = services.journal.records("toy")
    assert {p["field"] for p in bad["problems"]} >= {"name"} and bad["status"] == 422
    assert all(set(p) == {"location", "field", "keyword", "message"} for p in bad["problems"])
    assert bad["request_headers"]["authorization"] == "[redacted]"
    assert bad["response_headers"]["content-type"].startswith("application/json")
    assert faulted["fault"] == "fault 1 answered 503" and faulted["problems"] == []


def test_rate_limit_uses_the_clock(http: httpx.Client, services: Services) -> None:
    assert [http.get("/things/9").status_code for _ in range(4)] == [404, 404, 404, 429]
    assert http.get("/things/9").json() == {"why": "slow down", "reset": 10}
    services.clock.advance(10)
    assert http.get("/things/9").status_code == 404


def test_faults_force_an_answer_a_number_of_times(http: httpx.Client, services: Services) -> None:
    services.faults.add(api="toy", operation="get_thing", status=503, body={"down": True},
                        times=1)
    assert http.get("/things/1").status_code == 503
    assert http.get("/things/1").status_code == 404


def test_strict_mode_catches_an_off_contract_response(http: httpx.Client, app: ApiApp) -> None:
    with pytest.raises(ContractViolation, match="create_thing -> 201"):
        http.post("/things", json={"name": "off-contract"})
    assert app.violations


def test_unknown_route_and_method_get_the_vendor_hooks(http: httpx.Client) -> None:
    assert http.get("/nothing").status_code == 404
    r = http.delete("/things")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


class Windowed(ToyApi):
    """Two windows per call, credentials checked before the body is read."""

    authenticate_before_body = True

    def rate_limit(self, call: Call[Any]) -> list[Window]:  # type: ignore[override]
        return [Window("toy:burst", Policy(limit=2, window=1)),
                Window("toy:day", Policy(limit=3, window=86_400))]

    def rate_headers(self, call: Call[Any], decisions: Sequence[Decision]) -> dict[str, str]:
        return {"x-left": ",".join(str(d.remaining) for d in decisions)}


def test_every_window_must_allow_a_call_and_a_refused_call_counts_in_none(
        services: Services) -> None:
    app = ApiApp(Windowed(), {}, services, strict=True)
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://toy",
                      headers={"x-key": "sesame"}) as http:
        first, second, third = (http.get("/things/9") for _ in range(3))
        assert [r.status_code for r in (first, second, third)] == [404, 404, 429]
        assert first.headers["x-left"] == "1,2" and third.headers["x-left"] == "0,1"
        services.clock.advance(1)
        assert http.get("/things/9").headers["x-left"] == "1,0"  # the day was not spent by a 429
        assert http.get("/things/9").status_code == 429  # now the day is used up
        # credentials before the body: an unauthenticated bad body is a 401, not a 400
        r = http.post("/things", content=b"{nope", headers={"x-key": "no",
                                                            "content-type": "application/json"})
        assert r.status_code == 401


def test_handlers_come_from_marked_functions_of_the_listed_modules() -> None:
    module = types.ModuleType("toy_handlers")

    @op("create_thing", "get_thing")
    def both(call: Call[Any]) -> None:
        return None

    module.both = both  # type: ignore[attr-defined]
    module.helper = lambda: None  # type: ignore[attr-defined]

    class Listed(ToyApi):
        handler_modules = (module,)

    listed = Listed()
    assert listed.handlers == {"create_thing": both, "get_thing": both}
    assert listed.unbound() == []


def test_operations_expose_scopes_and_extensions() -> None:
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
           "components": {"securitySchemes": {"o": {"type": "oauth2", "flows": {}}}},
           "paths": {"/x": {"get": {"operationId": "x", "x-role": "admin",
                                    "security": [{"o": ["a.read", "a.write"]}, {"o": ["b"]}],
                                    "responses": {"200": {"description": "ok"}}}}}}
    x = Contract(doc).operations["x"]
    assert x.scopes == {"a.read", "a.write", "b"} and x.extensions == {"x-role": "admin"}
    assert x.safe


@pytest.mark.parametrize("raw", ["%D9%A1", "1_0", "%201", "+1", "0x1", "1.0", "9" * 40, "1/2"])
def test_ids_are_ascii_digits_of_a_bounded_size(http: httpx.Client, raw: str) -> None:
    http.post("/things", json={"name": "a"})
    assert http.get(f"/things/{raw}").status_code in (404, 422)
    assert http.get("/things/1").status_code == 200


def test_a_trailing_slash_routes_like_the_path_without_it(http: httpx.Client) -> None:
    http.post("/things/", json={"name": "a"})
    assert http.get("/things/1/").json() == {"id": 1, "name": "a"}


def test_a_client_gone_mid_body_is_journaled_as_such_not_as_a_500(
        app: ApiApp, services: Services) -> None:
    import asyncio

    async def go() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        messages: Iterator[dict[str, Any]] = iter([
            {"type": "http.request", "body": b'{"na', "more_body": True},
            {"type": "http.disconnect"}])

        async def receive() -> dict[str, Any]:
            return next(messages)

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(dict(message))

        scope = {"type": "http", "method": "POST", "path": "/things", "raw_path": b"/things",
                 "query_string": b"", "root_path": "", "scheme": "http",
                 "server": ("toy", 80), "headers": [(b"x-key", b"sesame"),
                                                    (b"content-type", b"application/json")]}
        await app(scope, receive, send)
        return sent

    asyncio.run(go())
    [entry] = services.journal.entries("toy")
    assert entry.status is None and entry.note == "client disconnected before the body was read"
    assert app.world == {}


def _toy_app(**hooks: Any) -> httpx.Client:
    """The toy with some hooks replaced, on services of its own (its own rate window)."""
    services = Services()
    api = type("Variant", (ToyApi,), hooks)()
    app = ApiApp(api, api.new_world(services), services, strict=True)
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://toy",
                        headers={"x-key": "sesame"})


def test_only_the_content_types_the_framework_parses_become_a_body(
        http: httpx.Client) -> None:
    as_text = {"content-type": "text/plain"}
    # Rails and Express leave a text/plain body unread: the required body is missing
    r = http.post("/things", content=b'{"name": "a"}', headers=as_text)
    assert r.status_code == 422 and "required" in r.json()["message"].lower()
    assert http.post("/things", content=b'{"name": "a"}').status_code == 422  # no type at all
    assert http.post("/things", data={"name": "a"}).status_code == 201  # urlencoded is read
    with _toy_app(body_parsers={"text/*": "text"}) as texty:
        r = texty.post("/things", content=b"hello", headers={"content-type": "text/csv"})
        assert r.status_code == 422 and "object" in r.json()["message"]  # a string body

    def refuse(self: Api[Any], call: Call[Any], media: str) -> Any:
        raise HttpError(json_reply(415, {"why": media}))

    with _toy_app(unparsed_body=refuse) as spring:
        r = spring.post("/things", content=b"{}", headers=as_text)
        assert (r.status_code, r.json()) == (415, {"why": "text/plain"})


@pytest.mark.parametrize(("mode", "status"), [("last", 200), ("first", 200), ("list", 422),
                                              ("join", 422)])
def test_a_repeated_query_parameter_is_read_as_the_framework_reads_it(
        mode: str, status: int) -> None:
    with _toy_app(repeated_query=mode) as client:
        client.post("/things", json={"name": "a"})
        r = client.get("/things/1?verbose=true&verbose=false")
        assert r.status_code == status
        assert client.get("/things/1?verbose=true").status_code == 200


@pytest.mark.parametrize("scope", [
    {"scheme": "http", "server": ("127.0.0.1", 8025), "root_path": "/convertkit",
     "headers": [(b"host", b"127.0.0.1:8025")]},
    {"scheme": "https", "server": ("10.0.0.1", 443), "root_path": "", "headers": []},
    {"scheme": "http", "server": ("::1", 9000), "root_path": "/x/", "headers": []},
    {"scheme": "http", "server": None, "root_path": "/p", "headers": [(b"host", b"bad host:x")]},
    {"scheme": "http", "server": ("h", 80), "root_path": "/p", "app_root_path": "/q",
     "headers": [(b"host", b"api.convertkit.com")]},
])
def test_urls_are_what_starlette_builds(scope: dict[str, Any]) -> None:
    from starlette.requests import Request

    from mailmocks.core.app import _base_url, _hashable, _url_path

    full = {"type": "http", "method": "GET", "path": "/a?b#c\\d", "query_string": b"",
            **scope}
    request = Request(full)
    host = dict(full["headers"]).get(b"host")
    got = _base_url(full["scheme"], None if host is None else host.decode(),
                    _hashable(full["server"]), full.get("app_root_path", full["root_path"]))
    assert got == str(request.base_url).rstrip("/")
    assert _url_path(full["path"]) == request.url.path


def test_an_empty_text_body_keeps_its_content_type() -> None:
    """Found by `make check-deep`: Parcelvoy's preview of a campaign without templates is a
    200 with an empty text/plain body (Koa's `ctx.body = ''`), not a body-less answer."""
    from mailmocks.core import text_reply

    assert text_reply(200, "").to_response().headers["content-type"].startswith("text/plain")
    assert "content-type" not in Reply(204, None).to_response().headers
