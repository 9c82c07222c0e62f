"""`mailmocks serve --data-dir DIR`: every API's state, the outbox, the journal, the webhook
deliveries and the pending jobs, kept in SQLite (`core.storage`) across restarts.

Saved when the sandbox stops (after the due jobs ran), and while it runs every `every`
seconds when anything changed, so a `kill -9` loses at most the last `every` seconds (plus
the time one save takes). The snapshot is taken on the event loop, where requests change
state (the locks of the journal, jobs and webhooks held, for the worker threads), and written
on a worker thread. A job comes back as what it was (its function, over the restored
objects) and is scheduled again for its time: a broadcast due while the sandbox was down is
sent when it is up again. A delivery in flight at a kill is sent again after the restart.

Rate windows and faults are not kept (they are about the moment). The clock is: frozen where
it stood, or running on ahead of (or behind) real time by what it was after an unfreeze.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from .. import __version__, apis
from ..core.app import ApiApp
from ..core.jobs import Job, job_api
from ..core.storage import SqliteStorage, Storage, StorageError
from . import codec

if TYPE_CHECKING:
    from ..sandbox import Sandbox
    from .requestlog import RequestLog

FORMAT = 1  # bump when what a snapshot holds changes shape; an old one is then refused
WRITER = f"mailmocks {__version__}"
log = logging.getLogger("mailmocks.persist")


class Persister:
    def __init__(self, storage: Storage, sandbox: Sandbox, *, every: float = 1.0,
                 log: RequestLog | None = None) -> None:
        self.storage = storage
        self.sandbox = sandbox
        self.every = every
        self.log = log
        self._task: asyncio.Task[None] | None = None
        self._signature: tuple[Any, ...] | None = None
        self._dormant: dict[str, Any] = {}  # worlds in the snapshot of APIs not served now
        self._dormant_jobs: list[tuple[Job, Any]] = []
        self.restored: str | None = None  # what load() found, for the banner
        self.saves = 0
        self.last_save_ms = 0.0

    @classmethod
    def open(cls, directory: str, sandbox: Sandbox, **kw: Any) -> Persister:
        try:
            return cls(SqliteStorage(directory), sandbox, **kw)
        except StorageError as exc:
            from .runner import ServeError
            raise ServeError(str(exc)) from None

    @property
    def where(self) -> str:
        return self.storage.where

    def describe(self) -> str:
        return f"{self.where} ({self.restored or 'new'}; saved every {self.every:g} s)"

    # -- loading (on the builder thread, before any API is served) ------------------------
    def load(self) -> None:
        snap = self.storage.load()
        box = self.sandbox
        if snap is None:
            box._build()
            self.restored = "new: from the fixtures"
            return
        if snap.format != FORMAT:
            raise StorageError(f"{self.where} holds a snapshot in format {snap.format} "
                               f"(written by {snap.writer}); this {WRITER} reads format "
                               f"{FORMAT}: run that version, or use another --data-dir")
        try:
            state, jobs = codec.loads(snap.parts["state"], box.services, apis.load)
        except (codec.SnapshotError, KeyError) as exc:
            raise StorageError(f"{self.where}: {exc} (written by {snap.writer})") from None
        worlds: dict[str, Any] = state["worlds"]
        s = box.services
        _restore_services(s, state["services"])
        dormant = {n: w for n, w in worlds.items() if n not in box.names}
        for job, fn in state["jobs"]:
            api = _api_of(job.name)
            if api is not None and api in dormant:
                self._dormant_jobs.append((job, fn))
                continue
            _reschedule(s, job, fn)
        for delivery in state["services"]["webhooks_waiting"]:
            s.webhooks._schedule(delivery, 0.0)
        frozen, offset = state["clock"]  # a frozen clock, or how far ahead of real time
        if frozen is not None:
            s.clock.freeze(frozen)
        else:
            s.clock._offset = offset
        self._dormant = dormant
        # each API is served as soon as its app is built (its contract compiled)
        fresh = []
        for name in box.build_order():
            world = worlds.get(name)
            if world is None:  # an API not in the snapshot starts from its fixtures
                world = apis.load(name).new_world(s, box.fixtures.get(name), box.seed)
                fresh.append(name)
            box.apps[name] = ApiApp(apis.load(name), world, s, strict=box.strict)
        age = time.time() - snap.saved_at
        self.restored = (f"restored from {_ago(age)} ago: {len(state['jobs'])} pending job(s), "
                         f"{len(s.outbox)} message(s)"
                         + (f"; {', '.join(fresh)} from the fixtures" if fresh else ""))
        self._signature = self._changes()

    # -- saving ----------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._every())

    async def _every(self) -> None:
        failed = ""  # the last failure, said once (the previous snapshot stays on disk)
        while True:
            await asyncio.sleep(self.every)
            try:
                if await self.save_if_changed() and failed:
                    failed = ""
                    if self.log is not None:
                        self.log.line("snapshots saved again")
            except (StorageError, codec.SnapshotError) as exc:
                if str(exc) != failed and self.log is not None:
                    self.log.line(f"snapshot failed, the last good one is kept: {exc}")
                failed = str(exc)

    async def save_if_changed(self) -> bool:
        signature = self._changes()
        if signature == self._signature:
            return False
        data = self.snapshot()
        await asyncio.to_thread(self.storage.save, {"state": data}, format=FORMAT,
                                writer=WRITER)
        self._signature = signature
        return True

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            data = self.snapshot()
            await asyncio.to_thread(self.storage.save, {"state": data}, format=FORMAT,
                                    writer=WRITER)
        except (StorageError, codec.SnapshotError) as exc:
            if self.log is not None:
                self.log.line(f"final snapshot failed: {exc}")
        self.storage.close()

    def snapshot(self) -> bytes:
        """The whole state as bytes, taken while nothing can change it."""
        started = time.perf_counter()
        s = self.sandbox.services
        with s.jobs._lock, s.webhooks._lock, s.journal._lock:
            state = {
                "worlds": {**self._dormant,
                           **{n: app.world for n, app in self.sandbox.apps.items()}},
                "services": _services_state(s),
                "jobs": [(j, j.fn) for j in s.jobs.pending()] + self._dormant_jobs,
                "clock": (s.clock._frozen, s.clock._offset),
            }
            api_ids = {id(app.api): n for n, app in self.sandbox.apps.items()}
            data = codec.dumps(state, s, api_ids)
        self.saves += 1
        self.last_save_ms = (time.perf_counter() - started) * 1000
        return data

    def _changes(self) -> tuple[Any, ...]:
        """Cheap: what moves whenever state may have changed (a request, a job, a send)."""
        s = self.sandbox.services
        entries = s.journal._entries
        finished = s.jobs._finished
        return (entries[-1].id if entries else 0, len(entries),
                finished[-1].id if finished else 0, len(finished), len(s.jobs._pending),
                len(s.outbox), s.clock._frozen, s.clock._offset,
                tuple((n, a.generation) for n, a in self.sandbox.apps.items()))


# The services' own records, read and put back here (private attributes of core classes, in
# one place: what a snapshot holds of each).
def _services_state(s: Any) -> dict[str, Any]:
    waiting = [d for queue in s.webhooks._waiting.values() for d in queue]
    return {"outbox": (s.outbox._messages, s.outbox._sizes, s.outbox.bytes, s.outbox._ids),
            "journal": (list(s.journal._entries), s.journal.bytes, s.journal._ids),
            "webhooks": (s.webhooks._deliveries, s.webhooks._ids),
            "webhooks_waiting": waiting, "jobs_ids": s.jobs._ids,
            # finished jobs as plain records: their functions are not needed any more
            "jobs_finished": [(j.id, j.name, j.due, j.io, j.status, j.error, j.ran_ms)
                              for j in s.jobs._finished[-200:]]}


def _restore_services(s: Any, state: dict[str, Any]) -> None:
    ob = s.outbox
    ob._messages, ob._sizes, ob.bytes, ob._ids = state["outbox"]
    entries, s.journal.bytes, s.journal._ids = state["journal"]
    s.journal._entries.extend(entries)
    s.webhooks._deliveries, s.webhooks._ids = state["webhooks"]
    s.jobs._ids = state["jobs_ids"]
    for job_id, name, due, is_io, status, error, ran_ms in state["jobs_finished"]:
        s.jobs._finished.append(Job(job_id, name, due, _finished_fn, is_io, status, error,
                                    ran_ms=ran_ms))


def _finished_fn() -> None:
    """What a finished job restored from a snapshot holds instead of its function."""


def _reschedule(s: Any, job: Job, fn: Any) -> None:
    jobs = s.jobs
    job.fn, job.status, job.started = fn, "pending", None
    with jobs._lock:
        jobs._pending[job.id] = job
    job.timer = s.clock.call_at(job.due, lambda: jobs._due(job))


def _api_of(job_name: str) -> str | None:
    api = job_api(job_name)
    return api if api in apis.names() else None


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
