"""Real-world payloads: the requests HighLevel's official SDKs send (their shapes, our data),
replayed through the fake in strict mode (every answer checked against the contract).

Each file in payloads/ names its source and lists requests in order: `path` and string values
may name an id saved from an earlier answer (`{post}`), `status` is what the real service
answers, `expect` maps dotted paths of the answer to values.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mailmocks.testing.highlevel import Mock as HighLevelMock

PAYLOADS = sorted((Path(__file__).parent / "payloads").glob("*.json"))


def fill(value: Any, saved: dict[str, str]) -> Any:
    """Put saved ids into `{name}` placeholders (the Liquid `{{...}}` of templates stays)."""
    if isinstance(value, str):
        return re.sub(r"(?<!\{)\{(\w+)\}(?!\})",
                      lambda m: saved.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [fill(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, saved) for k, v in value.items()}
    return value


def dig(answer: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        answer = answer[int(part)] if isinstance(answer, list) else answer[part]
    return answer


@pytest.mark.parametrize("file", PAYLOADS, ids=[p.stem for p in PAYLOADS])
def test_sdk_payloads_answer_as_the_real_service(highlevel_mock: HighLevelMock,
                                                 file: Path) -> None:
    spec = json.loads(file.read_text())
    assert spec["source"] and spec["requests"]
    saved: dict[str, str] = {}
    headers = {**spec["headers"], "Authorization": f"Bearer {highlevel_mock.token}"}
    for req in spec["requests"]:
        kwargs: dict[str, Any] = {"headers": headers, "params": fill(req.get("query"), saved)}
        if "body" in req:
            kwargs["content"] = json.dumps(fill(req["body"], saved))
        answer = highlevel_mock.http.request(req["method"], fill(req["path"], saved), **kwargs)
        assert answer.status_code == req["status"], (req["name"], answer.text)
        body = answer.json()
        for name, dotted in req.get("save", {}).items():
            saved[name] = dig(body, dotted)
        for dotted, want in req.get("expect", {}).items():
            assert dig(body, dotted) == fill(want, saved), (req["name"], dotted)
    highlevel_mock.drain()  # scheduled work runs without an error
    assert [j.error for j in highlevel_mock.jobs.finished() if j.error] == []
