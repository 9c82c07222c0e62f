"""Real-world payloads: the requests Yespo's own WooCommerce plugin, Shopify app and OpenCart
module send, shaped like theirs with our own data (payloads/*.json, each naming the plugin
file it follows), replayed through the strict fake with the plugins' headers
(docs/vendors/esputnik.md §13, [S16][S17]).

A file is a list of steps: a request (`method`, `path` with `{saved}` names, `query`, `body`,
`auth`) with the status it must get and optionally a subset of the JSON answer (`expect`),
the exact text (`text`) or a part of it (`contains`); `save` keeps answer fields for later
paths; `{"drain": true}` runs the background jobs; `{"sandbox": "orders"}` checks the fake's
own record of orders.
"""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import orjson
import pytest

from mailmocks.testing.esputnik import Mock as EsputnikMock

PAYLOADS = sorted((Path(__file__).parent / "payloads").glob("*.json"))
PLUGINS = ("Yespo-CDP/yespo-woocommerce", "Yespo-CDP/yespo-shopify",
           "eSputnik-CDP/esputnik-opencart")


def plugin_headers(key: str) -> dict[str, str]:
    """What the WooCommerce plugin sends (Yespo_Curl_Request.php): an empty user name."""
    token = base64.b64encode(f":{key}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Accept": "application/json; charset=UTF-8",
            "Content-Type": "application/json"}


def fill(value: Any, saved: dict[str, Any]) -> Any:
    """`"{name}"` placeholders replaced by saved values (whole strings keep their type)."""
    if isinstance(value, str):
        for name, got in saved.items():
            if value == f"{{{name}}}":
                return got
            value = value.replace(f"{{{name}}}", str(got))
        return value
    if isinstance(value, list):
        return [fill(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, saved) for k, v in value.items()}
    return value


def contains(got: Any, want: Any, where: str = "$") -> None:
    """`want` is a subset of `got`: dict keys recursively, lists item by item in order."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{where}: {got!r} is not an object"
        for key, sub in want.items():
            assert key in got, f"{where}.{key} missing from {got!r}"
            contains(got[key], sub, f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            contains(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def test_every_payload_names_its_source() -> None:
    assert len(PAYLOADS) >= 10
    for path in PAYLOADS:
        doc = orjson.loads(path.read_bytes())
        assert doc["source"].startswith(PLUGINS), path.name
        assert doc["steps"], path.name


@pytest.mark.parametrize("path", PAYLOADS, ids=[p.stem for p in PAYLOADS])
def test_a_plugin_payload_is_accepted_as_the_service_accepts_it(
        esputnik_mock: EsputnikMock, path: Path) -> None:
    doc = orjson.loads(path.read_bytes())
    saved: dict[str, Any] = {}
    for n, step in enumerate(doc["steps"]):
        where = f"{path.name} step {n}"
        if step.get("drain"):
            esputnik_mock.drain()
            continue
        if "sandbox" in step:
            what = step["sandbox"]
            contains(esputnik_mock.http.get(f"/_sandbox/{what}").json()[what],
                     fill(step["expect"], saved), where)
            continue
        headers = plugin_headers(step.get("auth", esputnik_mock.api_key))
        content = orjson.dumps(fill(step["body"], saved)) if "body" in step else None
        r = esputnik_mock.http.request(step["method"], fill(step["path"], saved),
                                       params=step.get("query"), content=content,
                                       headers=headers)
        assert r.status_code == step["status"], f"{where}: {r.status_code} {r.text}"
        if "text" in step:
            assert r.text == step["text"], where
        if "contains" in step:
            assert step["contains"] in r.text, where
        if "expect" in step:
            contains(r.json(), fill(step["expect"], saved), where)
        for name, key in (step.get("save") or {}).items():
            saved[name] = r.json()[key]
