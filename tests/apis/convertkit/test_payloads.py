"""Real-world payloads: the requests ConvertKit's official clients send (the PHP SDK, the
WordPress libraries, the WooCommerce plugin), shaped like theirs with our own data, replayed
through the strict fake. Each file in payloads/ is one client's session: every request must
conform to the contract as sent and get the status the real service gives it.

A step may `save` a value of its answer (a dotted path) for later paths: `{rule_id}`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from mailmocks.testing.convertkit import Mock as ConvertKitMock

PAYLOADS = sorted((Path(__file__).parent / "payloads").glob("*.json"))
SLOT = re.compile(r"\{(\w+)\}")


def fill(value: Any, names: dict[str, Any]) -> Any:
    """`value` with every `{name}` replaced by the saved or credential value."""
    if isinstance(value, str):
        return SLOT.sub(lambda m: str(names.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value


def dig(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.stem for p in PAYLOADS])
def test_an_official_client_session_replays(convertkit_mock: ConvertKitMock,
                                            payload: Path) -> None:
    session = json.loads(payload.read_text(encoding="utf-8"))
    names: dict[str, Any] = {"api_key": convertkit_mock.api_key,
                             "api_secret": convertkit_mock.api_secret}
    convertkit_mock.services.limiter.enabled = False
    for step in session["steps"]:
        body = step.get("body")
        r = convertkit_mock.http.request(
            step["method"], fill(step["path"], names), params=fill(step.get("query"), names),
            content=None if body is None else orjson.dumps(fill(body, names)),
            headers={} if body is None else {"content-type": session["content_type"]})
        assert r.status_code == step["status"], (step["call"], r.text)
        entry = convertkit_mock.journal.entries("convertkit", "request")[-1]
        if r.status_code < 400:
            assert entry.problems == [], (step["call"], entry.problems)
        for name, where in step.get("save", {}).items():
            names[name] = dig(r.json(), where)
