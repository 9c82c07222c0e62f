"""Served, every vendor's template renders on a worker thread: while one heavy template
renders, the other APIs and /_admin keep answering in milliseconds (Liquid has its own test
in tests/apis/convertkit/test_render.py)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from support import wait_for

from mailmocks.pytest_plugin import LiveServer
from mailmocks.sandbox import Sandbox
from mailmocks.testing import make_mock
from mailmocks.testing.esputnik import Mock as EsputnikMock
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(["esputnik", "parcelvoy", "botamp"], strict=True)
    with LiveServer(box) as server:
        yield box, server.url


def slowest_answer_while(busy: Callable[[], bool], root: str) -> float:
    """The slowest /_admin/clock answer while `busy()` says the render is still going."""
    slowest, answered = 0.0, 0
    with httpx.Client(base_url=root, trust_env=False) as http:
        while busy() or answered < 3:
            started = time.perf_counter()
            assert http.get("/_admin/clock").status_code == 200
            slowest = max(slowest, time.perf_counter() - started)
            answered += 1
    return slowest


def test_a_heavy_handlebars_preview_never_stalls_the_sandbox(served: tuple[Sandbox, str]
                                                              ) -> None:
    box, root = served
    pv = make_mock(ParcelvoyMock, root=root, sandbox=box).client()
    pv.update_template(1, type="email", data={
        "from": {"address": "hi@acme.test"}, "subject": "Heavy",
        "html": "{{#each user.items}}{{#each ../user.items}}.{{/each}}{{/each}}"})
    done = threading.Event()
    took: list[float] = []

    def preview() -> None:
        started = time.perf_counter()
        pv.preview_template(1, user={"items": list(range(200))})
        took.append(time.perf_counter() - started)
        done.set()

    worker = threading.Thread(target=preview)
    worker.start()
    slowest = slowest_answer_while(lambda: not done.is_set(), root)
    worker.join()
    assert slowest < 0.5 and took[0] > 2 * slowest, (slowest, took)


def test_a_heavy_velocity_send_never_stalls_the_sandbox(served: tuple[Sandbox, str]) -> None:
    box, root = served
    es = make_mock(EsputnikMock, root=root, sandbox=box).client()
    mid = es.create_email_message("Heavy", "news@acme-shop.test", "Heavy",
                                  "#foreach($i in [1..30000])x#end")["id"]
    before = len(box.services.outbox.messages("esputnik"))
    started = time.perf_counter()
    es.smartsend(mid, [{"locator": "olena@example.com", "jsonParam": {}}])

    def rendering() -> bool:
        sent = box.services.outbox.messages("esputnik")
        return len(sent) == before or not sent[-1].html

    slowest = slowest_answer_while(rendering, root)
    took = time.perf_counter() - started
    assert wait_for(lambda: not rendering())
    assert slowest < 0.5 and took > 2 * slowest, (slowest, took)
