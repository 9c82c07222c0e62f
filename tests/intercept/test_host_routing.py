"""The sandbox routes by Host as well as by path prefix (in-process and when served)."""
from __future__ import annotations

import httpx

from mailmocks.sandbox import Sandbox, vendor_host_routes
from mailmocks.transport import SyncASGITransport


def test_every_vendor_host_is_routed() -> None:
    assert vendor_host_routes(["convertkit", "botamp", "esputnik", "parcelvoy",
                               "highlevel"]) == {
        "api.convertkit.com": "convertkit", "www.botamp.com": "botamp",
        "botamp.com": "botamp", "esputnik.com": "esputnik", "yespo.io": "esputnik",
        "parcelvoy.example.com": "parcelvoy", "services.leadconnectorhq.com": "highlevel"}


def test_a_vendor_host_reaches_its_fake_with_the_path_as_sent() -> None:
    box = Sandbox(["convertkit"])
    key = box.world("convertkit").default.api_key
    with httpx.Client(transport=SyncASGITransport(box)) as http:
        by_host = http.get("https://api.convertkit.com/v3/forms", params={"api_key": key})
        by_prefix = http.get("http://127.0.0.1/convertkit/v3/forms", params={"api_key": key})
        # a Host with a port, as a proxy in front of a served sandbox sends it
        with_port = http.get("http://127.0.0.1:8025/v3/forms", params={"api_key": key},
                             headers={"Host": "api.convertkit.com:8025"})
    assert by_host.status_code == by_prefix.status_code == with_port.status_code == 200
    assert by_host.json() == by_prefix.json() == with_port.json()


def test_the_controls_are_never_reached_through_a_vendor_host() -> None:
    box = Sandbox(["convertkit"])
    with httpx.Client(transport=SyncASGITransport(box)) as http:
        admin = http.post("https://api.convertkit.com/_admin/reset", json={})
        sandbox_route = http.get("https://api.convertkit.com/_sandbox/confirm/x")
        unknown = http.get("https://api.convertkit.com/v3/nothing-here")
    assert admin.status_code == 403
    assert sandbox_route.status_code == 404
    assert unknown.status_code == 404 and unknown.json()["error"] == "Not Found"
