"""`/_admin/snapshots/{api}`: one API's state exported and imported through the control API.

The export is the world of that API in the `--data-dir` snapshot codec (the restricted pickle
of mailmocks/serve/codec.py: loading builds only plain types and our own classes), base64 in
JSON, with the format number and the writer. Importing replaces that API's world (its pending
jobs belonged to the old one and are dropped); a snapshot of another format, of another API
or that does not load is a 422 and the API keeps its state.
"""
from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from . import apis
from .core import Problem, iso
from .serve import codec
from .serve.persist import FORMAT, WRITER

if TYPE_CHECKING:
    from .sandbox import Sandbox

MAX_SNAPSHOT = 64 << 20  # bytes, decoded


def export(sandbox: Sandbox, name: str) -> dict[str, Any]:
    s = sandbox.services
    app = sandbox.apps[name]
    with s.jobs._lock, s.webhooks._lock, s.journal._lock:
        data = codec.dumps({"api": name, "world": app.world}, s,
                           {id(a.api): n for n, a in sandbox.apps.items()})
    now = s.clock.now()
    return {"api": name, "format": FORMAT, "writer": WRITER, "exported_at": iso(now),
            "exported_at_epoch": now, "bytes": len(data),
            "snapshot": base64.b64encode(data).decode()}


def restore(sandbox: Sandbox, name: str, body: dict[str, Any]) -> list[Problem] | None:
    """Put the snapshot in `body` in place of `name`'s world; the problems when it cannot."""
    if body["format"] != FORMAT:
        return [Problem("body", "format", "const",
                        f"a snapshot in format {body['format']}; this {WRITER} reads {FORMAT}")]
    try:
        data = base64.b64decode(body["snapshot"], validate=True)
    except (binascii.Error, ValueError):
        return [Problem("body", "snapshot", "contentEncoding", "not base64")]
    if len(data) > MAX_SNAPSHOT:
        return [Problem("body", "snapshot", "maxLength", "over 64 MiB")]
    s = sandbox.services
    try:
        value, _jobs = codec.loads(data, s, apis.load)
    except codec.SnapshotError as exc:
        return [Problem("body", "snapshot", "snapshot", str(exc))]
    world = value.get("world") if isinstance(value, dict) else None
    if not (isinstance(value, dict) and value.get("api") == name and world is not None
            and type(world).__module__.startswith(f"mailmocks.apis.{name}.")):
        return [Problem("body", "snapshot", "snapshot", f"not a snapshot of {name}")]
    from .admin import reset_one
    reset_one(sandbox, name)  # its jobs, messages and faults belonged to the old world
    sandbox.apps[name].replace_world(world)
    return None


