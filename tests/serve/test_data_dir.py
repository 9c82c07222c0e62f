"""`--data-dir`: subscribers, the outbox and a scheduled broadcast survive a restart (the
broadcast then fires); a kill -9 loses nothing older than the save interval; a snapshot of
another format is one clear line."""
from __future__ import annotations

import signal
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from serve.test_startup import CK_KEY, CK_SECRET, Served, served  # noqa: F401 (a fixture)
from support import wait_for

from mailmocks.clients.convertkit import ConvertKit


def client(s: Served) -> ConvertKit:
    return ConvertKit(api_key=CK_KEY, api_secret=CK_SECRET, base_url=f"{s.root}/convertkit")


def emails(s: Served, email: str) -> set[str]:
    found = client(s).list_subscribers(email_address=email)["subscribers"]
    return {x["email_address"] for x in found}


def outbox(s: Served, kind: str) -> list[dict[str, object]]:
    got: list[dict[str, object]] = s.http.get("/_admin/outbox", params={"kind": kind}).json()
    return got


@pytest.mark.slow
def test_restart_keeps_subscribers_outbox_and_a_scheduled_broadcast_that_then_fires(
        served: list[Served], tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "state"
    first = Served("--api", "convertkit", "--data-dir", str(data))
    served.append(first)
    first.first_answer(f"/convertkit/v3/forms?api_key={CK_KEY}")
    ck = client(first)
    ck.add_subscriber_to_form(3001, "kept@example.com", first_name="Kept")
    ck.add_subscriber_to_form(3002, "confirm@example.com")  # double opt-in: an email
    assert emails(first, "kept@example.com") == {"kept@example.com"}
    confirmations = len(outbox(first, "confirmation"))
    assert confirmations == 1
    send_at = datetime.now(timezone.utc) + timedelta(seconds=6)
    created = ck.create_broadcast(subject="After the restart", content="<p>Hi</p>",
                                  send_at=send_at.strftime("%Y-%m-%d %H:%M:%S.%f"))
    out, err = first.stop()
    assert first.proc.returncode == 0, err
    assert "job(s) scheduled for later, saved to" in out and "they run after a restart" in out

    second = Served("--api", "convertkit", "--data-dir", str(data))
    served.append(second)
    second.first_answer(f"/convertkit/v3/forms?api_key={CK_KEY}")
    assert emails(second, "kept@example.com") == {"kept@example.com"}
    assert len(outbox(second, "confirmation")) == confirmations
    bid = created["broadcast"]["id"]
    assert wait_for(lambda: outbox(second, "broadcast"), timeout=30)
    assert time.time() >= send_at.timestamp() - 0.05
    stats = client(second).get_broadcast_stats(bid)["broadcast"]["stats"]
    assert stats["status"] == "completed" and stats["recipients"] >= 1
    out, _ = second.stop()
    assert "restored from" in out


@pytest.mark.slow
def test_kill_9_loses_nothing_older_than_the_save_interval(
        served: list[Served], tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "state"
    first = Served("--api", "convertkit", "--data-dir", str(data), "--save-every", "0.5",
                   "--quiet")
    served.append(first)
    first.first_answer(f"/convertkit/v3/forms?api_key={CK_KEY}")
    ck = client(first)
    ck.create_tags("Before the kill")
    time.sleep(0.5 * 2 + 0.5)  # the interval, a save, and room for a loaded machine
    first.stop(signal.SIGKILL)

    second = Served("--api", "convertkit", "--data-dir", str(data), "--quiet")
    served.append(second)
    second.first_answer(f"/convertkit/v3/forms?api_key={CK_KEY}")
    names = [t["name"] for t in client(second).list_tags()["tags"]]
    assert "Before the kill" in names
    second.stop()


@pytest.mark.slow
def test_a_snapshot_of_another_format_is_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from serve.test_startup import ROOT
    data = tmp_path / "state"
    data.mkdir()
    with sqlite3.connect(data / "mailmocks.sqlite3") as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE parts (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", "99"),
                                                          ("writer", "mailmocks 9.9")])
    run = subprocess.run([sys.executable, "-m", "mailmocks", "serve", "--port", "0",
                          "--data-dir", str(data)], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "format 99 (written by mailmocks 9.9)" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_world_replaced_by_the_control_api_counts_as_a_change(tmp_path: Path) -> None:
    """Loading fixtures or importing a snapshot into any API (not only the first) is saved
    within the interval, though no request to that API was journaled."""
    from mailmocks.sandbox import Sandbox
    from mailmocks.serve.persist import Persister

    box = Sandbox(["convertkit", "botamp"])
    persister = Persister.open(str(tmp_path), box)
    before = persister._changes()
    app = box.apps["botamp"]
    app.replace_world(app.api.new_world(box.services))
    assert persister._changes() != before
