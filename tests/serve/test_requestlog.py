"""The request log: one line per request (success, 422, 429, fault), plain or JSON, bodies
only when verbose and never a secret."""
from __future__ import annotations

import io
import json

from mailmocks.serve.requestlog import RequestLog
from mailmocks.testing.convertkit import Mock as ConvertKitMock


def attach(mock: ConvertKitMock, **kw: object) -> tuple[RequestLog, io.StringIO]:
    out = io.StringIO()
    log = RequestLog(mock.journal, out, colour=False, **kw)  # type: ignore[arg-type]
    log.attach(mock.jobs)
    return log, out


def test_lines_for_a_success_a_422_a_429_and_a_fault(convertkit_mock: ConvertKitMock) -> None:
    _, out = attach(convertkit_mock)
    http, key = convertkit_mock.http, convertkit_mock.api_key
    assert http.get("/v3/forms", params={"api_key": key}).status_code == 200
    assert http.post("/v3/tags", json={"api_key": key, "tag": {}}).status_code == 422
    convertkit_mock.faults.add(api="convertkit", operation="list_tags", status=503,
                               body="down", times=1)
    assert http.get("/v3/tags", params={"api_key": key}).status_code == 503
    for _ in range(130):
        if http.get("/v3/forms", params={"api_key": key}).status_code == 429:
            break
    lines = out.getvalue().splitlines()
    ok, invalid, fault = lines[0], lines[1], lines[2]
    assert " convertkit GET /v3/forms list_forms 200 " in ok and "!" not in ok
    assert " POST /v3/tags create_tags 422 " in invalid and "!contract(1: tag oneOf)" in invalid
    assert " GET /v3/tags list_tags 503 " in fault and "!fault(" in fault
    assert " list_forms 429 " in lines[-1]
    assert "\x1b[" not in out.getvalue()  # plain when not a terminal


def test_json_lines_and_verbose_bodies_redacted(convertkit_mock: ConvertKitMock) -> None:
    _, out = attach(convertkit_mock, fmt="json", verbose=True)
    key, secret = convertkit_mock.api_key, convertkit_mock.api_secret
    convertkit_mock.http.post("/v3/tags", json={"api_secret": secret, "tag": {"name": "Log"}})
    convertkit_mock.http.get("/v3/forms", params={"api_key": key})
    created, listed = (json.loads(line) for line in out.getvalue().splitlines())
    assert (created["operation"], created["status"]) == ("create_tags", 201)
    assert created["request_body"]["api_secret"] == "[redacted]"
    assert created["response_body"]["name"] == "Log"
    assert listed["path"] == "/v3/forms" and key not in out.getvalue()
    assert secret not in out.getvalue()


def test_colour_on_a_terminal_and_jobs_get_a_line(convertkit_mock: ConvertKitMock) -> None:
    log, out = attach(convertkit_mock)
    log.colour = True
    convertkit_mock.http.get("/v3/forms", params={"api_key": convertkit_mock.api_key})
    assert "\x1b[32m200\x1b[0m" in out.getvalue()
    log.colour = False
    convertkit_mock.jobs.submit(lambda: None, name="demo:job")
    convertkit_mock.drain()
    assert out.getvalue().splitlines()[-1].split(" ", 1)[1].startswith("job demo:job done ")
    log.detach(convertkit_mock.jobs)
    convertkit_mock.http.get("/v3/forms", params={"api_key": convertkit_mock.api_key})
    assert len(out.getvalue().splitlines()) == 2


def test_verbose_text_adds_the_bodies_redacted(convertkit_mock: ConvertKitMock) -> None:
    _, out = attach(convertkit_mock, verbose=True)
    secret = convertkit_mock.api_secret
    convertkit_mock.http.post("/v3/tags", json={"api_secret": secret, "tag": {"name": "V"}})
    head, request, response = out.getvalue().splitlines()
    assert " create_tags 201 " in head
    assert request.startswith("    request: ") and '"api_secret":"[redacted]"' in request
    assert response.startswith("    response: ") and '"name":"V"' in response
    assert secret not in out.getvalue()
