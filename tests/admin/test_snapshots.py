"""One API's state out through the control API and back in; what cannot load is a 422."""
from __future__ import annotations

import base64
import os
import pickle

import httpx
import pytest

from mailmocks.sandbox import Sandbox
from mailmocks.transport import SyncASGITransport


@pytest.fixture
def admin() -> httpx.Client:
    box = Sandbox(["convertkit", "botamp"])
    return httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025")


def subscribe(admin: httpx.Client, email: str) -> None:
    r = admin.post("/convertkit/v3/forms/3001/subscribe",
                   json={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ", "email": email})
    assert r.status_code == 200


def emails(admin: httpx.Client) -> set[str]:
    r = admin.get("/convertkit/v3/subscribers",
                  params={"api_secret": "ck_sec_Jp3Hd9Kf2Ls8Qw5Ez1Cx7Vb4Nm6",
                          "email_address": "kept@example.com"})
    return {s["email_address"] for s in r.json()["subscribers"]}


def test_an_export_imported_after_a_reset_brings_the_state_back(admin: httpx.Client) -> None:
    subscribe(admin, "kept@example.com")
    exported = admin.get("/_admin/snapshots/convertkit").json()
    assert exported["api"] == "convertkit" and exported["bytes"] > 1000
    assert admin.post("/_admin/reset", json={}).status_code == 200
    assert emails(admin) == set()
    r = admin.post("/_admin/snapshots/convertkit",
                   json={"format": exported["format"], "snapshot": exported["snapshot"]})
    assert r.json() == {"imported": True, "api": "convertkit"}
    assert emails(admin) == {"kept@example.com"}


class Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os
        return os.system, ("touch /tmp/mailmocks-pwned",)


@pytest.mark.parametrize(("snapshot", "field_said"), [
    ("not base64!", "not base64"),
    (base64.b64encode(b"garbage").decode(), "does not load"),
    (base64.b64encode(pickle.dumps({"api": "convertkit", "world": Evil()})).decode(),
     "names posix.system, which a snapshot may not"),
])
def test_what_cannot_load_is_a_422_and_the_state_stays(admin: httpx.Client, snapshot: str,
                                                       field_said: str) -> None:
    subscribe(admin, "kept@example.com")
    r = admin.post("/_admin/snapshots/convertkit", json={"format": 1, "snapshot": snapshot})
    assert r.status_code == 422 and field_said in r.text
    assert emails(admin) == {"kept@example.com"}
    assert not os.path.exists("/tmp/mailmocks-pwned")


def test_a_snapshot_of_another_api_or_format_is_refused(admin: httpx.Client) -> None:
    botamp = admin.get("/_admin/snapshots/botamp").json()
    r = admin.post("/_admin/snapshots/convertkit", json={"format": 1,
                                                         "snapshot": botamp["snapshot"]})
    assert r.status_code == 422 and "not a snapshot of convertkit" in r.text
    r = admin.post("/_admin/snapshots/convertkit", json={"format": 99,
                                                         "snapshot": botamp["snapshot"]})
    assert r.status_code == 422 and "format 99" in r.text


def test_resetting_one_api_drops_its_pending_webhook_deliveries(admin: httpx.Client) -> None:
    box = admin._transport._inner.app  # type: ignore[attr-defined]
    s = box.services
    s.clock.freeze()
    s.webhooks.send(api="convertkit", event="e", url="http://127.0.0.1:9/x", payload={},
                    retry_delays=[3600])
    s.webhooks.send(api="botamp", event="e", url="http://127.0.0.1:9/x", payload={})
    before = {j.name for j in s.jobs.pending()}
    assert {"webhook:convertkit:e", "webhook:botamp:e"} <= before
    assert admin.post("/_admin/reset", json={"api": "convertkit"}).status_code == 200
    left = {j.name for j in s.jobs.pending()}
    assert "webhook:convertkit:e" not in left and "webhook:botamp:e" in left


def test_apis_built_after_the_admin_app_are_named_by_it() -> None:
    """Served, the worlds are built after the port is bound (and after the admin app): the
    control API must then know them (it answered 422 `"convertkit" is not one of`)."""
    box = Sandbox(["convertkit"], build=False)
    box._build()
    client = httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025")
    assert client.post("/_admin/reset", json={"api": "convertkit"}).status_code == 200
    assert client.get("/_admin/state/convertkit").status_code == 200
    doc = client.get("/_admin/openapi.json").json()
    assert doc["components"]["schemas"]["ApiName"]["enum"] == ["convertkit"]
