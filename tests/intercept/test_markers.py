"""The `mailmocks` marker in this suite (the plugin is active here as in a user's)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailmocks.intercept import Interception


@pytest.mark.mailmocks(freeze_time="2030-01-01T09:00:00Z")
def test_freeze_time_from_the_marker(convertkit_mock: Any) -> None:
    assert convertkit_mock.clock.frozen and convertkit_mock.clock.now() == 1893488400


@pytest.mark.mailmocks(allow_contract_violations=True)
def test_options_only_marker_keeps_the_single_fake(convertkit_mock: Any,
                                                   request: pytest.FixtureRequest) -> None:
    assert "mailmocks" not in request.fixturenames
    assert convertkit_mock.sandbox.names == ["convertkit"]
    r = httpx.post("https://api.convertkit.com/v3/forms/3001/subscribe",
                   json={"api_key": convertkit_mock.api_key, "email": "x@example.com",
                         "first_name": 42})
    assert r.status_code == 422  # sent on purpose: allowed, the test passes


@pytest.mark.mailmocks(apis=["botamp", "esputnik"])
def test_apis_share_one_sandbox(mailmocks: Interception, botamp_mock: Any) -> None:
    assert sorted(mailmocks.mocks) == ["botamp", "esputnik"]
    assert botamp_mock is mailmocks.botamp
    with pytest.raises(AttributeError, match="convertkit is not faked here"):
        _ = mailmocks.convertkit


@pytest.mark.mailmocks(passthrough=["127.0.0.2"])
def test_passthrough_hosts_are_sent_for_real(convertkit_mock: Any) -> None:
    with pytest.raises(httpx.ConnectError):  # really sent: nothing listens on port 9
        httpx.get("http://127.0.0.2:9/", timeout=2)


@pytest.mark.mailmocks(rate_limits=False, faults=[
    {"api": "convertkit", "operation": "list_forms", "status": 503, "times": 1}])
def test_faults_and_rate_limits_from_the_marker(convertkit_mock: Any) -> None:
    assert convertkit_mock.services.limiter.enabled is False
    params = {"api_key": convertkit_mock.api_key}
    statuses = [httpx.get("https://api.convertkit.com/v3/forms", params=params).status_code
                for _ in range(2)]
    assert statuses == [503, 200]


def test_a_users_own_respx_routes_keep_working(convertkit_mock: Any) -> None:
    import respx

    with respx.mock(assert_all_called=False) as own:
        own.get("https://api.stripe.com/v1/charges").respond(200, json={"data": []})
        assert httpx.get("https://api.stripe.com/v1/charges").json() == {"data": []}
        r = httpx.get("https://api.convertkit.com/v3/forms",
                      params={"api_key": convertkit_mock.api_key})
        assert r.status_code == 200  # still the fake
