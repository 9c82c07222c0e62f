"""The snapshot codec keeps worlds with their lambdas and jobs, and refuses a snapshot that
names anything beyond plain types and our own classes (no code can be run from a data dir)."""
from __future__ import annotations

import os
import pickle
from typing import Any

import pytest

from mailmocks import apis
from mailmocks.sandbox import Sandbox
from mailmocks.serve import codec


class Gadget:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("echo pwned",))


class Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (eval, ("1 + 1",))


@pytest.mark.parametrize("payload", [Gadget(), Evil(), {"x": Gadget()}])
def test_a_snapshot_naming_foreign_code_is_refused(payload: object) -> None:
    box = Sandbox(["botamp"])
    with pytest.raises(codec.SnapshotError, match="may not"):
        codec.loads(pickle.dumps(payload), box.services, apis.load)


def test_worlds_and_their_jobs_round_trip_with_shared_references() -> None:
    box = Sandbox(["convertkit"])
    world = box.world("convertkit")
    job, = box.services.jobs.pending()  # the fixture's scheduled broadcast
    data = codec.dumps({"world": world, "jobs": [(job, job.fn)]}, box.services,
                       {id(box.apps["convertkit"].api): "convertkit"})
    other = Sandbox(["convertkit"], build=False)
    state, jobs = codec.loads(data, other.services, apis.load)
    restored = state["world"]
    assert restored.services is other.services  # the running sandbox's, not a copy
    acct = next(iter(restored.accounts.values()))
    assert restored.credentials[acct.api_key][0] is acct  # one object, as before
    first = next(iter(acct.subscribers))
    assert acct.subscribers.by("email", first.email.lower()) is first  # its key lambdas work
    acct.subscribers.put(first.id, first)  # and index again
    (rjob, fn), = state["jobs"]
    assert jobs[rjob.id] is rjob and rjob.name == job.name
    broadcast = next(b for b in acct.broadcasts if b.job is not None)
    assert broadcast.job is rjob  # the world's broadcast and the job are one again
    cells = [c.cell_contents for c in fn.__closure__]
    assert broadcast in cells and restored in cells  # the lambda over the restored objects
    with pytest.raises(codec.SnapshotError, match="cannot keep a function"):
        codec.dumps({"f": os.path.join}, box.services, {})


def test_what_could_not_be_loaded_is_refused_when_saving() -> None:
    from starlette.datastructures import Headers

    box = Sandbox(["botamp"])
    with pytest.raises(codec.SnapshotError, match="cannot keep a starlette"):
        codec.dumps({"headers": Headers({"a": "b"})}, box.services, {})
    with pytest.raises(codec.SnapshotError, match="cannot keep a starlette"):
        codec.dumps({"kind": Headers}, box.services, {})
