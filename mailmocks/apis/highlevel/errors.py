"""HighLevel's errors, NestJS-shaped: `{statusCode, message[, error]}`.

`message` is a string, except on 422 where it lists every problem of the request,
class-validator style (docs/vendors/highlevel.md §9; the wording is contracts/highlevel.yaml,
assumption A). The named errors are factories: each call builds a fresh `HttpError`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from ...core import HttpError, Operation, Problem, json_reply


def error(status: int, message: str, **detail: Any) -> HttpError:
    """`{"statusCode": status, "message": message, **detail}` (e.g. `error="Not Found"`)."""
    return HttpError(json_reply(status, {"statusCode": status, "message": message, **detail}))


def unprocessable(*messages: str) -> HttpError:
    """The 422 of class-validator: every problem in one `message` array."""
    return HttpError(json_reply(422, {"statusCode": 422, "message": list(messages),
                                      "error": "Unprocessable Entity"}))


def conflict(message: str) -> HttpError:
    return error(409, message, error="Conflict")


# -- the named errors, in the vendor's words (docs/vendors/highlevel.md §9.2, D-7, D-8, D-9)
VERSION_MISSING = partial(error, 401, "version header was not found.")
VERSION_INVALID = partial(error, 401, "version header is invalid")
INVALID_TOKEN = partial(error, 401, "Invalid token: access token is invalid",
                        error="Unauthorized")
SCOPE_MISSING = partial(error, 401, "The token is not authorized for this scope.")
OTHER_LOCATION = partial(error, 403, "The token does not have access to this location")
BAD_REQUEST = partial(error, 400, "Bad Request")
TOO_LARGE = partial(error, 413, "request entity too large", error="Payload Too Large")
TOO_MANY = partial(error, 429, "Too Many Requests")
INTERNAL = partial(error, 500, "Internal server error")
NOT_FOUND = partial(error, 404, "Not Found",  # the Emails NotFoundDTO
                    error="The requested resource was not found")
POST_NOT_FOUND = partial(error, 404, "Blog post not found", error="Not Found")
BLOG_NOT_FOUND = partial(error, 404, "Blog not found", error="Not Found")
SLUG_TAKEN = partial(error, 400, "URL slug already exists", error="Bad Request")
NOT_DRAFT = partial(error, 400, "Only draft campaigns can be updated", error="Bad Request")
NO_CONTENT = partial(error, 400, "Campaign has no content", error="Bad Request")


def no_route(method: str, path: str) -> HttpError:
    """NestJS's routing error (contracts/highlevel.yaml, assumption J)."""
    return error(404, f"Cannot {method} {path}", error="Not Found")


# -- class-validator wording for schema problems ----------------------------------------
TYPE_WORDS = {
    "string": "must be a string",
    "number": "must be a number conforming to the specified constraints",
    "integer": "must be an integer number",
    "boolean": "must be a boolean value",
    "array": "must be an array",
    "object": "must be an object",
}


def invalid_request(op: Operation, query_keys: Iterable[str],
                    problems: list[Problem]) -> HttpError:
    """What HighLevel answers for a request its DTOs refuse: 400 for a body that is no
    object (or absent with nothing of it required), else the 422 listing every problem."""
    if any(p.location == "body" and p.field == "" and p.keyword == "type" for p in problems):
        return BAD_REQUEST()  # a JSON body that is not an object
    if any(p.location == "body" and p.field == "" and p.keyword == "required"
           for p in problems) and op.body_validator is not None:
        # no body at all: class-validator reports every required field of an empty one
        problems = [p for p in problems if p.location != "body"]
        problems += op.body_validator.problems({}, "body")
    messages = unknown_query(op, query_keys)
    for problem in problems:
        messages += [m for m in messages_for(op, problem) if m not in messages]
    if not messages:  # a body required but absent, with no field of it required
        return BAD_REQUEST()
    return unprocessable(*messages)


def unknown_query(op: Operation, query_keys: Iterable[str]) -> list[str]:
    """`property <name> should not exist` for each query key the operation does not declare
    (D-6)."""
    declared = {p.name for p in op.parameters if p.location == "query"}
    return [f"property {k} should not exist" for k in dict.fromkeys(query_keys)
            if k not in declared]


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
        if kw == "enum" and "enum" in item:  # class-validator's `each: true` wording
            return [f"each value in {parent} must be one of the following values: "
                    + ", ".join(map(str, item["enum"]))]
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
        if schema.get("format") == "email":
            return [f"{name} must be an email"]  # class-validator's IsEmail
        return [f"{name} must be a valid ISO 8601 date string"]
    formats = {b.get("format") for b in schema.get("anyOf", ()) if isinstance(b, dict)}
    if kw == "anyOf" and "email" in formats:
        return [f"{name} must be an email"]  # an address or empty
    if kw == "anyOf" and "date-time" in formats:
        return [f"{name} must be a valid ISO 8601 date string"]  # a date-time or a date
    return [f"{name} is invalid"]


def _num(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
