"""The control API at /_admin: every body validated, times ISO + epoch, each control working.

In-process through the sandbox (so the guard is in front, as when served); the clients here
hold no inspector cookie, as curl does not.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailmocks.sandbox import Sandbox
from mailmocks.transport import SyncASGITransport

CK_KEY = "ck_pub_8Xq2LmN4vR7tY1wZ"


@pytest.fixture(scope="module")
def box() -> Sandbox:
    return Sandbox(strict=True)


@pytest.fixture
def http(box: Sandbox) -> Iterator[httpx.Client]:
    box.reset()
    box.services.clock.wall()
    box.services.limiter.enabled = True
    with httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025") as c:
        yield c


def problem_fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [p["field"] for p in answer.json()["problems"]]


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("/_admin/clock", {"advnace": 3600}, "advnace"),
    ("/_admin/clock", {"advance": 1e308}, "advance"),
    ("/_admin/clock", {"advance": "nan"}, "advance"),
    ("/_admin/clock", {"advance": -5}, "advance"),
    ("/_admin/clock", {"freeze": True, "at": 1e20}, "at"),
    ("/_admin/clock", {"freeze": True, "at": "yesterday"}, "at"),
    ("/_admin/clock", {"at": 0}, "at"),  # a time without freeze means nothing
    ("/_admin/clock", {"set": "2001-01-01T00:00:00Z"}, "set"),  # the clock never moves back
    ("/_admin/faults", {"api": "convertkit", "operation": "list_tagz"}, "operation"),
    ("/_admin/faults", {"api": "botamp", "operation": "list_tags"}, "operation"),
    ("/_admin/faults", {"status": 99}, "status"),
    ("/_admin/faults", {"status": "503"}, "status"),
    ("/_admin/faults", {"latency": "1"}, "latency"),
    ("/_admin/faults", {"latency_ms": 100}, "latency_ms"),
    ("/_admin/faults", {"headers": {"x-a": 5}}, "headers.x-a"),
    ("/_admin/faults", {"headers": {"bad header": "v"}}, "headers"),
    ("/_admin/faults", {"api": "mailchimp"}, "api"),
    ("/_admin/faults", {"times": 0}, "times"),
    ("/_admin/reset", {"api": "nope"}, "api"),
    ("/_admin/reset", {"everything": True}, "everything"),
    ("/_admin/ratelimit", {"enabled": "no"}, "enabled"),
    ("/_admin/ratelimit", {}, "enabled"),
    ("/_admin/fixtures", {"api": "convertkit", "path": "/etc/passwd"}, "path"),
    ("/_admin/fixtures", {"api": "convertkit", "path": "/nowhere/at/all.yaml"}, "path"),
]


@pytest.mark.parametrize("path,body,field", BAD, ids=[f"{p} {b}" for p, b, _ in BAD])
def test_typos_and_bad_values_are_a_422_naming_the_field(
        http: httpx.Client, box: Sandbox, path: str, body: dict[str, Any], field: str) -> None:
    answer = http.post(path, json=body)
    assert field in problem_fields(answer)
    assert field.split(".")[0] in answer.json()["error"]
    assert box.services.faults.list() == [] and not box.services.clock.frozen
    assert http.get("/_admin").status_code == 200 and http.get("/_admin/clock").status_code == 200


def test_a_body_that_is_not_json_or_not_an_object_is_a_422(http: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    assert http.post("/_admin/clock", content=b"{nope", headers=headers).status_code == 422
    assert http.post("/_admin/clock", content=b"NaN", headers=headers).status_code == 422
    assert http.post("/_admin/clock", content=b"[1]", headers=headers).status_code == 422
    assert http.post("/_admin/reset", content=b"", headers=headers).status_code == 200


def test_clock_freeze_advance_set_and_unfreeze_continuing(http: httpx.Client,
                                                          box: Sandbox) -> None:
    frozen = http.post("/_admin/clock", json={"freeze": True, "at": "2031-05-01T08:00:00Z"})
    assert frozen.json() == {"now": "2031-05-01T08:00:00.000Z", "now_epoch": 1935388800.0,
                             "frozen": True, "ran": 0}
    assert http.post("/_admin/clock", json={"advance": 3600}).json()["now"] \
        == "2031-05-01T09:00:00.000Z"
    assert http.post("/_admin/clock", json={"set": 1935399600}).json()["now"] \
        == "2031-05-01T11:00:00.000Z"
    thawed = http.post("/_admin/clock", json={"unfreeze": True}).json()
    assert thawed["frozen"] is False
    assert thawed["now"].startswith("2031-05-01T11:00")  # from where it stood, not wall time
    running = http.post("/_admin/clock", json={"advance": 86400}).json()
    assert running["frozen"] is False and running["now"].startswith("2031-05-02T11:00")
    wall = http.post("/_admin/clock", json={"wall": True}).json()
    assert abs(wall["now_epoch"] - datetime.now(timezone.utc).timestamp()) < 60


def broadcast_jobs(http: httpx.Client, due: str) -> list[dict[str, Any]]:
    """Pending broadcast jobs due then (the fixtures schedule their own)."""
    return [j for j in http.get("/_admin/jobs").json()["pending"]
            if j["name"].startswith("convertkit:broadcast") and j["due"] == due]


def test_advancing_the_clock_fires_a_scheduled_broadcast(http: httpx.Client) -> None:
    http.post("/_admin/clock", json={"freeze": True, "at": "2031-01-01T00:00:00Z"})
    made = http.post("/convertkit/v3/broadcasts", json={
        "api_secret": "ck_sec_Jp3Hd9Kf2Ls8Qw5Ez1Cx7Vb4Nm6", "subject": "Later",
        "content": "<p>Hi</p>", "send_at": "2031-01-01T06:00:00Z"})
    assert made.status_code == 201, made.text
    [job] = broadcast_jobs(http, "2031-01-01T06:00:00.000Z")
    assert job["due_epoch"] == datetime(2031, 1, 1, 6, tzinfo=timezone.utc).timestamp()
    later = {"kind": "broadcast", "q": "Later"}
    assert http.get("/_admin/outbox", params=later).json() == []
    assert http.post("/_admin/clock", json={"advance": 6 * 3600}).json()["ran"] >= 1
    sent = http.get("/_admin/outbox", params=later).json()
    assert sent and sent[0]["created_at"] == "2031-01-01T06:00:00.000Z"


def test_run_a_pending_job_now(http: httpx.Client) -> None:
    http.post("/_admin/clock", json={"freeze": True, "at": "2031-01-01T00:00:00Z"})
    http.post("/convertkit/v3/broadcasts", json={
        "api_secret": "ck_sec_Jp3Hd9Kf2Ls8Qw5Ez1Cx7Vb4Nm6", "subject": "Now please",
        "content": "<p>Hi</p>", "send_at": "2031-02-01T00:00:00Z"})
    [job] = broadcast_jobs(http, "2031-02-01T00:00:00.000Z")
    assert http.post(f"/_admin/jobs/{job['id']}/run", json={}).json()["status"] == "done"
    assert http.get("/_admin/outbox", params={"q": "now please"}).json()
    assert http.post(f"/_admin/jobs/{job['id']}/run", json={}).status_code == 404
    assert http.post("/_admin/jobs/abc/run", json={}).status_code == 422


def test_reset_one_api_leaves_the_others(http: httpx.Client, box: Sandbox) -> None:
    made = http.post("/convertkit/v3/tags", json={"api_key": CK_KEY, "tag": {"name": "Kept?"}})
    assert made.status_code in (200, 201), made.text
    key_before = box.world("botamp").default.api_key
    assert http.post("/botamp/_sandbox/regenerate_key", json={}).status_code == 200
    fresh_key = box.world("botamp").default.api_key
    assert fresh_key != key_before
    http.post("/_admin/faults", json={"api": "convertkit", "status": 503})
    http.post("/_admin/faults", json={"api": "botamp", "status": 503})
    assert http.post("/_admin/reset", json={"api": "convertkit"}).json() == {
        "reset": True, "apis": ["convertkit"]}
    names = [t.name for t in box.world("convertkit").default.tags]
    assert "Kept?" not in names
    assert box.world("botamp").default.api_key == fresh_key
    assert [f.api for f in box.services.faults.list()] == ["botamp"]


def test_load_fixtures_into_one_api(http: httpx.Client, box: Sandbox, tmp_path: Path) -> None:
    source = Path("fixtures/convertkit.yaml").read_text()
    mine = tmp_path / "mine.yaml"
    mine.write_text(source.replace("ck_pub_8Xq2LmN4vR7tY1wZ", "ck_pub_mine000000000000"))
    loaded = http.post("/_admin/fixtures", json={"api": "convertkit", "path": str(mine)})
    assert loaded.json() == {"loaded": True, "api": "convertkit", "path": str(mine)}
    assert http.get("/convertkit/v3/tags",
                    params={"api_key": "ck_pub_mine000000000000"}).status_code == 200
    broken = tmp_path / "broken.yaml"
    broken.write_text("accounts: 7\n")
    answer = http.post("/_admin/fixtures", json={"api": "convertkit", "path": str(broken)})
    assert problem_fields(answer) == ["path"]
    assert http.get("/convertkit/v3/tags",
                    params={"api_key": "ck_pub_mine000000000000"}).status_code == 200
    box.fixtures.pop("convertkit")


def test_rate_limits_switch_off_and_on(http: httpx.Client, box: Sandbox) -> None:
    assert http.post("/_admin/ratelimit", json={"enabled": False}).json() == {"enabled": False}
    assert box.services.limiter.enabled is False
    assert http.get("/_admin").json()["ratelimit"] is False
    assert http.post("/_admin/ratelimit", json={"enabled": True}).json() == {"enabled": True}


def test_faults_one_by_one(http: httpx.Client) -> None:
    made = http.post("/_admin/faults", json={"api": "convertkit", "operation": "list_tags",
                                             "status": 503, "body": {"error": "down"},
                                             "latency": 0, "times": 2}).json()
    assert made["times"] == 2 and made["drop"] is False
    assert http.get("/convertkit/v3/tags", params={"api_key": CK_KEY}).status_code == 503
    [listed] = http.get("/_admin/faults").json()
    assert listed["times"] == 1
    assert http.delete(f"/_admin/faults/{made['id']}").json() == {"cleared": 1}
    assert http.delete(f"/_admin/faults/{made['id']}").status_code == 404
    assert http.get("/convertkit/v3/tags", params={"api_key": CK_KEY}).status_code == 200


def _two_messages(http: httpx.Client) -> None:
    for email in ("ann@example.com", "bob@example.com"):
        answer = http.post("/convertkit/v3/forms/3002/subscribe",
                           json={"api_key": CK_KEY, "email": email, "first_name": "X"})
        assert answer.status_code == 200, answer.text


def test_outbox_filters_search_get_mark_and_delete(http: httpx.Client) -> None:
    _two_messages(http)
    every = http.get("/_admin/outbox").json()
    assert [m["to"] for m in every] == ["ann@example.com", "bob@example.com"]
    assert every[0]["history"][0]["status"] == "sent"
    assert every[0]["created_at"].endswith("Z") and isinstance(every[0]["created_at_epoch"],
                                                               float)
    assert [m["to"] for m in http.get("/_admin/outbox", params={"q": "BOB@"}).json()] == [
        "bob@example.com"]
    assert http.get("/_admin/outbox", params={"channel": "sms"}).json() == []
    assert len(http.get("/_admin/outbox", params={"limit": 1}).json()) == 1
    first = every[0]["id"]
    assert http.get(f"/_admin/outbox/{first}").json()["to"] == "ann@example.com"
    marked = http.post(f"/_admin/outbox/{first}/status", json={"status": "opened"}).json()
    assert marked["status"] == "opened" and [h["status"] for h in marked["history"]] == [
        "sent", "opened"]
    assert http.post(f"/_admin/outbox/{first}/status", json={"status": "eaten"}).status_code \
        == 422
    assert [m["to"] for m in http.get("/_admin/outbox", params={"status": "opened"}).json()] \
        == ["ann@example.com"]
    assert http.delete(f"/_admin/outbox/{first}").json() == {"cleared": 1}
    assert http.get(f"/_admin/outbox/{first}").status_code == 404
    assert http.delete("/_admin/outbox").json() == {"cleared": 1}
    assert http.get("/_admin/outbox").json() == []


def test_journal_filters_one_entry_and_ndjson(http: httpx.Client) -> None:
    http.get("/convertkit/v3/tags", params={"api_key": CK_KEY})
    bad = http.post("/convertkit/v3/tags", json={"api_key": CK_KEY, "tag": {"name": 5}})
    assert bad.status_code == 422
    violations = http.get("/_admin/journal", params={"violations": "true"}).json()
    assert [e["operation"] for e in violations] == ["create_tags"]
    entry = violations[0]
    assert entry["problems"] and entry["at"].endswith("Z") and "at_epoch" in entry
    assert http.get(f"/_admin/journal/{entry['id']}").json()["id"] == entry["id"]
    assert http.get("/_admin/journal/999999").status_code == 404
    assert [e["status"] for e in http.get("/_admin/journal", params={
        "api": "convertkit", "operation": "list_tags", "status": 200}).json()] == [200]
    lines = http.get("/_admin/journal", params={"format": "ndjson"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    assert len(lines.text.splitlines()) == 2
    assert http.get("/_admin/journal", params={"status": "x"}).status_code == 422


def test_state_tables_of_every_api(http: httpx.Client, box: Sandbox) -> None:
    for name in box.apps:
        tables = http.get(f"/_admin/state/{name}").json()
        assert tables and any(t["count"] for t in tables), name
        first = next(t for t in tables if t["count"])
        page = http.get(f"/_admin/state/{name}/{first['name']}", params={"limit": 2}).json()
        assert page["total"] == first["count"] and len(page["rows"]) == min(2, first["count"])
        assert set(page["rows"][0]) == set(page["columns"])
    found = http.get("/_admin/state/convertkit/accounts[1001].subscribers",
                     params={"q": "DAVID.SHAW.1@"}).json()
    assert found["total"] == 1 and found["rows"][0]["email"] == "david.shaw.1@hotmail.com"
    assert http.get("/_admin/state/convertkit/nothing").status_code == 404
    assert http.get("/_admin/state/nope").status_code == 422


def test_status_lists_counts_and_vendor_actions(http: httpx.Client) -> None:
    _two_messages(http)
    status = http.get("/_admin").json()
    ck = status["apis"]["convertkit"]
    assert ck["counts"]["messages"] == 2 and ck["counts"]["requests"] == 2
    assert ck["vendor_base_url"] and ck["credentials"]
    assert {"method": "POST", "path": "/botamp/_sandbox/regenerate_key"} in \
        status["apis"]["botamp"]["sandbox_routes"]
    assert status["clock"]["now"].endswith("Z") and "now_epoch" in status["clock"]
