"""`mailmocks.intercept()` outside pytest's fixtures: context manager and decorator."""
from __future__ import annotations

import anyio
import httpx
import pytest
import requests

import mailmocks
from mailmocks.intercept import ContractViolations, UnmatchedRequest, intercept


def test_context_manager_fakes_and_unpatches() -> None:
    with mailmocks.intercept(["convertkit"]) as mm:
        r = httpx.get("https://api.convertkit.com/v3/forms",
                      params={"api_key": mm.convertkit.api_key})
        assert r.status_code == 200
    assert mm.hosts == {"api.convertkit.com": "convertkit"}
    from mailmocks.intercept import patching
    assert patching._router is None and patching._requests is None


def test_leaving_raises_the_violations() -> None:
    with pytest.raises(ContractViolations) as err:
        with intercept(["botamp"]) as mm:
            httpx.post("https://www.botamp.com/api/subscribers/create_or_update",
                       headers={"Authorization": f"Bearer {mm.botamp.api_key}"},
                       json={"subscriber": {"name": "no email"}})
    [violation] = err.value.violations
    assert violation.operation == "create_or_update_subscriber"
    assert [p["field"] for p in violation.problems] == ["subscriber.email"]
    assert "body $.subscriber.email" in str(err.value)


def test_a_path_outside_the_contract_is_a_violation() -> None:
    mm = intercept(["convertkit"], allow_contract_violations=True)
    with mm:
        assert httpx.get("https://api.convertkit.com/v3/formz").status_code == 404
    [violation] = mm.violations()
    assert violation.lines() == [
        "convertkit (no operation): GET /v3/formz",
        "  path: the convertkit contract has no operation GET /v3/formz [operation]"]


def test_unmatched_hosts_raise_and_passthrough_is_configurable() -> None:
    with pytest.raises(UnmatchedRequest):
        with intercept(["convertkit"], passthrough=()) as mm:
            with pytest.raises(UnmatchedRequest, match="127.0.0.1:9/x reached no fake"):
                requests.get("http://127.0.0.1:9/x")
    assert len(mm.unmatched) == 1


def test_a_self_hosted_parcelvoy() -> None:
    with intercept(["parcelvoy"], hosts={"pv.acme.test": "parcelvoy"}) as mm:
        r = httpx.post("https://pv.acme.test/api/client/identify", json={"external_id": "u"},
                       headers={"Authorization": f"Bearer {mm.parcelvoy.secret_key}"})
        assert r.status_code < 300
    assert mm.hosts["pv.acme.test"] == "parcelvoy"


@intercept(["highlevel"])
def decorated() -> int:
    return httpx.get("https://services.leadconnectorhq.com/blogs/site/all").status_code


@intercept(["highlevel"])
async def decorated_async() -> int:
    async with httpx.AsyncClient() as client:
        r = await client.get("https://services.leadconnectorhq.com/blogs/site/all")
    return r.status_code


def test_as_a_decorator_sync_and_async() -> None:
    assert decorated() == 401  # the fake's own answer: no token
    assert decorated() == 401
    assert anyio.run(decorated_async) == 401


def test_the_innermost_interception_answers() -> None:
    with intercept(["convertkit"]) as outer, intercept(["convertkit"]) as inner:
        httpx.get("https://api.convertkit.com/v3/forms",
                  params={"api_key": inner.convertkit.api_key})
    assert len(inner.convertkit.calls()) == 1 and outer.convertkit.calls() == []


def test_a_fakes_own_webhook_to_an_unfaked_host_fails_as_offline() -> None:
    with intercept(["convertkit"]) as mm:
        ck = mm.convertkit
        delivery = ck.webhooks.send(api="convertkit", event="subscriber.subscriber_activate",
                                    url="https://hooks.acme.test/ck", payload={"a": 1})
        ck.drain()
    [attempt] = delivery.attempts
    assert attempt.status is None and attempt.error is not None
    assert attempt.error.startswith("ConnectError: mailmocks: POST https://hooks.acme.test/ck "
                                    "reached no fake")
    assert mm.unmatched == []  # the test's own code did nothing wrong


def test_a_body_that_is_not_json_is_a_violation() -> None:
    mm = intercept(["highlevel"], allow_contract_violations=True)
    with mm:
        r = httpx.post("https://services.leadconnectorhq.com/blogs/posts",
                       content=b'{"title": ', headers={
                           "Authorization": f"Bearer {mm.highlevel.token}",
                           "Version": "2021-07-28", "Content-Type": "application/json"})
    assert r.status_code == 400
    [violation] = mm.violations()
    assert violation.problems[0]["keyword"] == "json"
    assert violation.lines()[1] == "  body $: the body is declared JSON but does not parse [json]"


def test_fakes_are_built_when_first_used_not_when_decorating() -> None:
    mm = intercept(["botamp"])
    assert mm.mocks == {}
    assert mm.botamp.api_key and list(mm.mocks) == ["botamp"]


def test_an_interception_can_be_entered_again() -> None:
    mm = intercept(["convertkit"])
    for _ in range(2):
        with mm:
            r = httpx.get("https://api.convertkit.com/v3/forms",
                          params={"api_key": mm.convertkit.api_key})
            assert r.status_code == 200
    assert len(mm.convertkit.calls("list_forms")) == 2


def test_violations_are_listed_in_the_order_they_were_sent() -> None:
    mm = intercept(["convertkit"], allow_contract_violations=True)
    with mm:
        key = mm.convertkit.api_key
        httpx.get("https://api.convertkit.com/v3/formz")
        httpx.post("https://api.convertkit.com/v3/forms/3001/subscribe",
                   json={"api_key": key, "email": "a@example.com", "first_name": 42})
        httpx.get("https://api.convertkit.com/v3/tagz")
    assert [v.operation or v.path for v in mm.violations()] == [
        "/v3/formz", "add_subscriber_to_form", "/v3/tagz"]
