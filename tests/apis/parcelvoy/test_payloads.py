"""Real-world payloads (payloads/*.json): requests shaped as Parcelvoy's own iOS and Android
SDKs, its admin UI, its docs and a Segment batch send them, replayed through the fake in strict
mode (every answer checked against the contract). Each file names its source; `seed` requests
run first, `after` reads the effect once the queue has run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

PAYLOADS = sorted((Path(__file__).parent / "payloads").glob("*.json"))


def _key(mock: ParcelvoyMock, name: str) -> dict[str, str]:
    value = {"public": mock.public_key, "editor": mock.secret_key, "support": mock.support_key,
             "admin": mock.admin_key}[name]
    return {"Authorization": f"Bearer {value}"}


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            _subset(e, a) for e, a in zip(expected, actual, strict=True))
    return bool(expected == actual)


def test_there_are_payloads() -> None:
    assert len(PAYLOADS) >= 10


@pytest.mark.parametrize("path", PAYLOADS, ids=[p.stem for p in PAYLOADS])
def test_a_real_world_payload(parcelvoy_mock: ParcelvoyMock, path: Path) -> None:
    doc = json.loads(path.read_text())
    assert doc["source"]
    http, key = parcelvoy_mock.http, _key(parcelvoy_mock, doc["key"])
    for seed in doc.get("seed", []):
        r = http.request(seed["method"], seed["path"], json=seed["body"], headers=key)
        assert r.status_code < 300, r.text
    parcelvoy_mock.drain()
    r = http.request(doc["method"], doc["path"], json=doc.get("body"), headers=key)
    assert r.status_code == doc["status"], r.text
    if "response" in doc:
        assert r.json() == doc["response"]
    if "response_subset" in doc:
        assert _subset(doc["response_subset"], r.json()), r.json()
    parcelvoy_mock.drain()
    after = doc.get("after")
    if after:
        read = http.get(after["path"], headers=_key(parcelvoy_mock, "editor"))
        assert read.status_code == 200, read.text
        if "expect" in after:
            assert _subset(after["expect"], read.json()), read.json()
        if "expect_event" in after:  # one of the user's events (newest first)
            wanted = after["expect_event"]
            assert any(_subset(wanted, e) for e in read.json()["results"]), read.json()
