"""The persister in-process: a restored job fires on the restored clock, state of an API not
served this time is carried along, and one new to the snapshot starts from its fixtures."""
from __future__ import annotations

from pathlib import Path

from mailmocks.core.storage import SqliteStorage
from mailmocks.sandbox import Sandbox
from mailmocks.serve.persist import Persister


def saved(box: Sandbox, where: Path) -> None:
    p = Persister(SqliteStorage(where), box)
    p.storage.save({"state": p.snapshot()}, format=1, writer="test")
    p.storage.close()


def loaded(names: list[str], where: Path) -> tuple[Sandbox, Persister]:
    box = Sandbox(names, build=False)
    p = Persister(SqliteStorage(where), box)
    p.load()
    return box, p


def test_a_restored_broadcast_goes_out_on_the_restored_clock(tmp_path: Path) -> None:
    box = Sandbox(["convertkit"])
    box.services.clock.freeze()
    t0 = box.services.clock.now()
    job, = box.services.jobs.pending()  # the fixture's scheduled broadcast, days ahead
    saved(box, tmp_path)
    again, p = loaded(["convertkit"], tmp_path)
    assert again.services.clock.now() == t0 and p.restored is not None
    assert "restored from" in p.restored and "1 pending job(s)" in p.restored
    restored, = again.services.jobs.pending()
    assert (restored.id, restored.name, restored.due) == (job.id, job.name, job.due)
    assert again.services.outbox.messages(kind="broadcast") == []
    again.services.clock.advance(restored.due - t0 + 1)
    sent = again.services.outbox.messages(kind="broadcast")
    assert sent and again.services.jobs.pending() == []
    acct = next(a for a in again.world("convertkit").accounts.values()
                if any(b.status == "completed" for b in a.broadcasts))
    assert {m.tenant for m in sent} == {acct.id}


def test_an_api_not_served_this_time_is_carried_along(tmp_path: Path) -> None:
    box = Sandbox(["convertkit", "botamp"])
    acct = next(iter(box.world("convertkit").accounts.values()))
    acct.name = "Renamed before the restart"
    saved(box, tmp_path)
    only_botamp, p = loaded(["botamp"], tmp_path)
    assert list(only_botamp.apps) == ["botamp"]
    assert only_botamp.services.jobs.pending() == []  # ConvertKit's broadcast is not run
    p.storage.save({"state": p.snapshot()}, format=1, writer="test")
    both, _ = loaded(["convertkit", "botamp"], tmp_path)
    names = {a.name for a in both.world("convertkit").accounts.values()}
    assert "Renamed before the restart" in names
    assert [j.name for j in both.services.jobs.pending()] == [
        j.name for j in box.services.jobs.pending()]


def test_an_api_new_to_the_snapshot_starts_from_its_fixtures(tmp_path: Path) -> None:
    saved(Sandbox(["botamp"]), tmp_path)
    box, p = loaded(["botamp", "convertkit"], tmp_path)
    assert p.restored is not None and "convertkit from the fixtures" in p.restored
    assert box.world("convertkit").accounts
