"""HighLevel's error bodies (mailmocks/apis/highlevel/errors.py): NestJS-shaped
`{statusCode, message[, error]}`, 422 `message` arrays in class-validator's words, 400 for a
body that is no JSON object, NestJS's 404 for an unrouted method.

Facts: docs/vendors/highlevel.md §9 (the shapes) and D-6 (unknown properties); the wording is
contracts/highlevel.yaml, assumptions A, B and J.
"""
from __future__ import annotations

from typing import Any

import httpx
import orjson
from support import raises

from mailmocks.apis.highlevel import errors
from mailmocks.clients.base import InvalidRequest
from mailmocks.testing.highlevel import Mock as HighLevelMock

V = "2021-07-28"


def get(mock: HighLevelMock, path: str, **params: Any) -> httpx.Response:
    return mock.http.get(path, params={"locationId": mock.location_id, **params},
                         headers={"Authorization": f"Bearer {mock.token}", "Version": V})


def test_unknown_properties_and_bad_values_are_422_arrays(highlevel_mock: HighLevelMock) -> None:
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


def test_bad_json_and_unrouted_methods(highlevel_mock: HighLevelMock) -> None:
    headers = {"Authorization": f"Bearer {highlevel_mock.token}", "Version": V,
               "Content-Type": "application/json"}
    bad = highlevel_mock.http.post("/blogs/posts", content=b"{nope", headers=headers)
    assert (bad.status_code, bad.json()) == (400, {"statusCode": 400, "message": "Bad Request"})
    listed = highlevel_mock.http.post("/blogs/posts", content=b"[1]", headers=headers)
    assert listed.status_code == 400
    nowhere = highlevel_mock.http.patch("/blogs/posts/abc", headers=headers)
    assert nowhere.json() == {"statusCode": 404, "message": "Cannot PATCH /blogs/posts/abc",
                              "error": "Not Found"}
    raises(InvalidRequest, highlevel_mock.client().get_blogs, highlevel_mock.location_id,
           limit=-1)
    huge = highlevel_mock.http.post("/blogs/posts", content=b" " * (1 << 20 | 1),
                                    headers=headers)
    assert (huge.status_code, huge.json()) == (413, {
        "statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"})


def test_error_builds_the_body_from_status_message_and_detail() -> None:
    plain = errors.error(400, "Bad Request").reply
    assert (plain.status, plain.body) == (400, {"statusCode": 400, "message": "Bad Request"})
    named = errors.BLOG_NOT_FOUND().reply
    assert orjson.loads(named.render()) == {"statusCode": 404, "message": "Blog not found",
                                            "error": "Not Found"}
    assert errors.BLOG_NOT_FOUND() is not errors.BLOG_NOT_FOUND()  # a fresh answer each time
    listed = errors.unprocessable("a should not be empty", "b must be a string").reply
    assert listed.body == {"statusCode": 422, "error": "Unprocessable Entity",
                           "message": ["a should not be empty", "b must be a string"]}
