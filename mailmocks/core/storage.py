"""Where a served sandbox keeps its state between runs: one interface, SQLite behind it.

A snapshot is a set of named binary parts written together (all or none) with the format
version it was written in; what the parts hold is the caller's business (`mailmocks serve
--data-dir` writes the worlds, the outbox, the journal and the pending jobs). Another backend
(a Redis shared by several workers, say) implements `Storage` and nothing else changes.
"""
from __future__ import annotations

import os
import sqlite3
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path


class StorageError(RuntimeError):
    """The store cannot be used (another format, unreadable, not writable): one line."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    parts: dict[str, bytes]
    format: int  # the snapshot format the parts are in
    writer: str  # who wrote it ("mailmocks 0.1.0")
    saved_at: float  # epoch seconds


class Storage(ABC):
    @abstractmethod
    def load(self) -> Snapshot | None:
        """The last snapshot saved, or None when there is none yet."""

    @abstractmethod
    def save(self, parts: dict[str, bytes], *, format: int, writer: str) -> None:
        """Replace the snapshot with `parts`, atomically."""

    @abstractmethod
    def close(self) -> None: ...

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the state is, for people (a path, a URL)."""


class SqliteStorage(Storage):
    """One SQLite file (WAL: a save never blocks a reader, a kill keeps the last commit)."""

    FILE = "mailmocks.sqlite3"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path = self.directory / self.FILE
            # saves come from a worker thread, loads from the builder: one connection, used
            # by one thread at a time
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self._db.execute("CREATE TABLE IF NOT EXISTS parts (name TEXT PRIMARY KEY, "
                             "data BLOB NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot use {directory} for state: {exc}") from None
        os.chmod(self.path, 0o600)

    @property
    def where(self) -> str:
        return str(self.path)

    def load(self) -> Snapshot | None:
        try:
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if "format" not in meta:
                return None
            parts = {name: bytes(data) for name, data in
                     self._db.execute("SELECT name, data FROM parts").fetchall()}
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read {self.path}: {exc}") from None
        try:
            fmt = int(meta["format"])
        except ValueError:
            raise StorageError(f"{self.path}: snapshot format {meta['format']!r} is not "
                               "one mailmocks writes") from None
        return Snapshot(parts, fmt, meta.get("writer", "?"), float(meta.get("saved_at", 0)))

    def save(self, parts: dict[str, bytes], *, format: int, writer: str) -> None:
        try:
            with self._db:  # one transaction: the old snapshot or the new one, never half
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("DELETE FROM parts")
                self._db.executemany("INSERT INTO parts (name, data) VALUES (?, ?)",
                                     list(parts.items()))
                self._db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [("format", str(format)), ("writer", writer),
                     ("saved_at", repr(time.time()))])
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write {self.path}: {exc}") from None

    def close(self) -> None:
        self._db.close()
