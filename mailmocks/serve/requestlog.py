"""The request log of `mailmocks serve`: one line per request, delivery and background job.

Fed by the journal's and the jobs' finish listeners, so it sees exactly what the journal
keeps (a delivery is journaled as kind "webhook"; its io job is not logged twice). A line is
time, API, method, path, operationId, status and duration, then a flag when the request broke
the contract (`!contract`) or an injected fault answered it (`!fault`). Coloured on a
terminal (unless NO_COLOR is set), plain otherwise, or one JSON object a line. Paths are
redacted like the journal (no `api_key=...` in a scroll-back); `verbose` adds the bodies,
redacted too.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

import orjson

if TYPE_CHECKING:
    from ..core.jobs import Job
    from ..core.journal import Entry, Journal

RESET, DIM, BOLD = "\x1b[0m", "\x1b[2m", "\x1b[1m"
GREEN, YELLOW, RED, CYAN, MAGENTA = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[36m", "\x1b[35m"
BODY_CHARS = 2000  # per body in a verbose line


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


class RequestLog:
    def __init__(self, journal: Journal, stream: TextIO | None = None, *, fmt: str = "text",
                 verbose: bool = False, colour: bool | None = None) -> None:
        self.journal = journal
        self.stream = stream or sys.stdout
        self.fmt = fmt
        self.verbose = verbose
        self.colour = use_colour(self.stream) if colour is None else colour
        self._lock = threading.Lock()  # deliveries finish on worker threads
        self._held: list[str] | None = None

    def hold(self) -> None:
        """Keep lines back (while the banner is not printed yet) until `release()`."""
        with self._lock:
            self._held = self._held if self._held is not None else []

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held or [], None
        for text in held:
            self._write(text)

    def attach(self, jobs: Any = None) -> None:
        self.journal.listeners.append(self.entry)
        if jobs is not None:
            jobs.listeners.append(self.job)

    def detach(self, jobs: Any = None) -> None:
        if self.entry in self.journal.listeners:
            self.journal.listeners.remove(self.entry)
        if jobs is not None and self.job in jobs.listeners:
            jobs.listeners.remove(self.job)

    # -- listeners ---------------------------------------------------------------------
    def entry(self, e: Entry) -> None:
        if e.kind not in ("request", "webhook"):
            return
        record: dict[str, Any] = {
            "time": _now(), "kind": e.kind, "api": e.api, "method": e.method,
            "path": self.journal.redact(e.path), "operation": e.operation,
            "status": e.status, "duration_ms": e.duration_ms}
        if e.problems:
            record["problems"] = e.problems
        if e.fault:
            record["fault"] = e.fault
        if e.note:
            record["note"] = e.note
        if self.verbose:
            full = e.as_dict(self.journal.redact)
            record["request_body"] = full["request_body"]
            record["response_body"] = full["response_body"]
        self._write(self._json(record) if self.fmt == "json" else self._text(record))

    def job(self, job: Job) -> None:
        if job.io:  # a delivery: its journal entry is its line
            return
        record: dict[str, Any] = {"time": _now(), "kind": "job", "name": job.name,
                                  "status": job.status, "duration_ms": job.ran_ms,
                                  "error": job.error}
        if self.fmt == "json":
            self._write(self._json(record))
            return
        paint = RED if job.status == "failed" else DIM
        tail = f"  {job.error}" if job.error else ""
        self._write(f"{self._c(DIM, record['time'])} {self._c(CYAN, 'job')} {job.name} "
                    f"{self._c(paint, job.status)} {_ms(job.ran_ms)}{self._c(RED, tail)}")

    def line(self, text: str) -> None:
        """A message of the server itself (shutdown report, snapshots) in the same stream."""
        if self.fmt == "json":
            self._write(self._json({"time": _now(), "kind": "server", "message": text}))
        else:
            self._write(f"{self._c(DIM, _now())} {self._c(BOLD, text)}")

    # -- shaping -----------------------------------------------------------------------
    def _text(self, r: dict[str, Any]) -> str:
        status = r["status"]
        paint = (DIM if status is None else GREEN if status < 400 else
                 YELLOW if status < 500 else RED)
        kind = "webhook " if r["kind"] == "webhook" else ""
        parts = [self._c(DIM, r["time"]), self._c(CYAN, r["api"]), f"{kind}{r['method']}",
                 r["path"], self._c(DIM, str(r["operation"] or "-")),
                 self._c(paint, str(status if status is not None else "---")),
                 _ms(r["duration_ms"])]
        if "problems" in r:
            n = len(r["problems"])
            first = r["problems"][0]
            where = first.get("field") or first.get("location")
            parts.append(self._c(MAGENTA, f"!contract({n}: {where} {first['keyword']})"))
        if "fault" in r:
            parts.append(self._c(MAGENTA, f"!fault({r['fault']})"))
        if "note" in r:
            parts.append(self._c(RED, r["note"]))
        text = " ".join(parts)
        if self.verbose:
            for label in ("request_body", "response_body"):
                body = r.get(label)
                if body not in (None, "", b""):
                    shown = body if isinstance(body, str) else orjson.dumps(body).decode()
                    if len(shown) > BODY_CHARS:
                        shown = shown[:BODY_CHARS] + "…"
                    text += f"\n    {self._c(DIM, label.split('_')[0] + ':')} {shown}"
        return text

    @staticmethod
    def _json(record: dict[str, Any]) -> str:
        return orjson.dumps(record, default=str).decode()

    def _c(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.colour else text

    def _write(self, text: str) -> None:
        try:
            with self._lock:
                if self._held is not None:
                    self._held.append(text)
                    return
                self.stream.write(text + "\n")
                self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must never fail a request
            pass


def _now() -> str:
    t = time.time()
    return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"


def _ms(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms:.1f}ms" if ms < 1000 else f"{ms / 1000:.2f}s"
