"""The sandbox as `mailmocks serve` runs it: real time, real sockets, the admin surface."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from mailmocks.testing.convertkit import Mock as ConvertKitMock


def wait_for(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_scheduled_broadcast_goes_out_on_time_in_real_time(convertkit_live: ConvertKitMock) -> None:
    ck = convertkit_live.client()
    send_at = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    created = ck.create_broadcast(subject="Hi {{ subscriber.first_name }}",
                                  content="<p>Hello {{ subscriber.first_name }}</p>",
                                  send_at=send_at.strftime("%Y-%m-%d %H:%M:%S.%f"))
    bid = created["broadcast"]["id"]
    admin = httpx.Client(base_url=convertkit_live.root, trust_env=False)
    assert admin.get("/_admin/outbox", params={"kind": "broadcast"}).json() == []
    assert wait_for(lambda: admin.get("/_admin/outbox", params={"kind": "broadcast"}).json())
    sent_at = time.time()
    assert sent_at >= send_at.timestamp() - 0.01  # not early
    stats = ck.get_broadcast_stats(bid)["broadcast"]["stats"]
    active = sum(1 for s in convertkit_live.account.subscribers if s.state == "active")
    assert stats["recipients"] == active and stats["status"] == "completed"
    first = admin.get("/_admin/outbox", params={"kind": "broadcast"}).json()[0]
    assert first["subject"].startswith("Hi ") and "{{" not in first["html"]
    admin.close()


@pytest.mark.slow
def test_admin_surface_journal_faults_clock_and_reset(convertkit_live: ConvertKitMock) -> None:
    admin = httpx.Client(base_url=convertkit_live.root, trust_env=False)
    ck = convertkit_live.client()
    ck.create_tags("Sandbox tag")
    journal = admin.get("/_admin/journal", params={"api": "convertkit"}).json()
    assert journal[-1]["operation"] == "create_tags"
    assert journal[-1]["request_body"]["api_key"] == "[redacted]"
    assert convertkit_live.api_key not in admin.get("/_admin/journal").text

    fault = admin.post("/_admin/faults", json={"api": "convertkit", "operation": "list_tags",
                                               "status": 503, "body": "upstream down",
                                               "times": 1}).json()
    assert fault["times"] == 1
    raw = convertkit_live.http.get("/v3/tags", params={"api_key": convertkit_live.api_key})
    assert (raw.status_code, raw.text) == (503, "upstream down")

    clock = admin.post("/_admin/clock", json={"freeze": True}).json()
    assert clock["frozen"] is True
    assert admin.post("/_admin/clock", json={"advance": 3600}).json()["now"] > clock["now"]

    admin.post("/_admin/reset", json={})
    names = [t["name"] for t in ck.list_tags()["tags"]]
    assert "Sandbox tag" not in names and len(names) == 5
    assert admin.get("/").status_code == 200
    admin.close()
