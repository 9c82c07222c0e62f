"""The sandbox's own routes (the control API, the inbox pages, every vendor's `_sandbox` routes)
with odd path values and odd query values: a 4xx or a page, never a 5xx or an exception.

The routes are read off the running sandbox, so a route added later is covered without a
line here.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from reliability.corpus import ODD_IDS
from starlette.routing import BaseRoute, Mount, Route

from mailmocks.sandbox import Sandbox
from mailmocks.transport import SyncASGITransport

ODD_QUERY = ["%C2%B2", "9" * 5000, "-1", "%00", "x" * 3000, "1e308", "nan"]


def routes_of(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield method, prefix + route.path
        elif isinstance(route, Mount):
            yield from routes_of(list(route.routes), prefix + route.path)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, httpx.Client]]:
    box = Sandbox()
    with httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025",
                      headers={"content-type": "application/json"}) as client:
        yield box, client


def test_odd_path_and_query_values_never_break_a_sandbox_route(
        sandbox: tuple[Sandbox, httpx.Client]) -> None:
    box, client = sandbox
    found: list[tuple[str, str]] = list(routes_of(box.admin.routes))
    for name, app in box.apps.items():
        found += [(m, f"/{name}{p}") for m, p in
                  routes_of(app.api.extra_routes(app.world, box.services))]
    assert len(found) > 10
    failures = []
    for method, template in found:
        paths = [re.sub(r"\{[^}]+\}", odd, template) for odd in ODD_IDS] \
            if "{" in template else [template]
        for path in paths:
            for query in ["", *(f"?m={v}&api={v}&page={v}" for v in ODD_QUERY)][:4]:
                try:
                    r = client.request(method, path + query,
                                       content=b"{}" if method != "GET" else None)
                except Exception as exc:  # noqa: BLE001 — any exception is the finding
                    failures.append(f"{method} {path[:60]}{query[:30]}: {exc!r:.200}")
                    continue
                if r.status_code >= 500:
                    failures.append(f"{method} {path[:60]}{query[:30]}: {r.status_code}")
    assert failures == [], "\n".join(failures)
