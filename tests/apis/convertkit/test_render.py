"""ConvertKit's Liquid (render.py) is data, never code: injection payloads render inertly or
are refused, and a runaway template fails its broadcast within the render budget.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from mailmocks.apis.convertkit.render import render_liquid
from mailmocks.clients.base import InvalidRequest
from mailmocks.core import RenderLimitError
from mailmocks.testing.convertkit import Mock as ConvertKitMock

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


CANARY = "mailmocks-liquid-canary"


LEAKS = ("<class", "<function", "<built-in", "<bound", "<module", "object at 0x", "root:x:0",
         "mappingproxy", "__builtins__'")


PAYLOADS = [
    "{{ subscriber.__class__ }}",
    "{{ subscriber.__class__.__mro__ }}",
    "{{ subscriber.__init__.__globals__ }}",
    "{{ subscriber['__class__'] }}",
    "{{ subscriber.__dict__ }}",
    "{{ subscriber.items }}",
    "{{ subscriber.keys }}",
    "{{ subscriber.get }}",
    "{{ subscriber.first_name.__class__ }}",
    "{{ subscriber.first_name.upper }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ config }}",
    "{{ request }}",
    "{{ forloop }}",
    "{% for x in subscriber %}{{ x }}{% endfor %}",
    "{{ subscriber | map: '__class__' }}",
    "{{ subscriber | json }}",
    "{{ 'x' | system }}",
    "{{ 'os' | import }}",
    "{{ '/etc/passwd' | read }}",
    "{{ 7 | eval }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../etc/passwd' %}",
    "{% render '/etc/passwd' %}",
    "{% include 'subscriber' %}",
    "{% assign x = '__import__(\"os\").system(\"touch CANARY\")' %}{{ x }}",
    "{% capture c %}{{ '{{ subscriber.__class__ }}' }}{% endcapture %}{{ c }}",
    "{% raw %}{{ subscriber.__class__ }}{% endraw %}",
    "{% liquid echo subscriber.__class__ %}",
    "{% python %}import os{% endpython %}",
    "{% exec 'import os' %}",
    "{% cycle subscriber.__class__, 'b' %}",
    "{% tablerow x in subscriber.__dict__ %}{{ x }}{% endtablerow %}",
    "{{ (1..3) | join: subscriber.__class__ }}",
    "{% if subscriber.__class__ %}leak{% endif %}",
    "{% case subscriber.__class__ %}{% when nil %}none{% endcase %}",
    "{% for i in (1..10) %}" * 40 + "x" + "{% endfor %}" * 40,
    "{{" * 2000 + "x" + "}}" * 2000,
    "{{ subscriber.first_name | append: '\\'); __import__(\"os\").system(\"touch CANARY\")#' }}",
]


def _canary(tmp_path: Path, payload: str) -> tuple[str, Path]:
    canary = tmp_path / CANARY
    return payload.replace("CANARY", str(canary)), canary


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_injection_payload_renders_inertly_or_is_refused(
        convertkit_mock: ConvertKitMock, payload: str, tmp_path: Path) -> None:
    mock, ck = convertkit_mock, convertkit_mock.client()
    text, canary = _canary(tmp_path, payload)
    mock.clock.freeze(T0)
    try:
        bid = ck.create_broadcast(subject=text, content=text,
                                  send_at="2026-03-01T12:00:01Z")["broadcast"]["id"]
    except InvalidRequest as refused:
        assert refused.status == 422 and "Liquid" in str(refused.body)
        return
    mock.clock.advance(2)
    sent = [m for m in mock.outbox.messages("convertkit", kind="broadcast")
            if m.meta.get("broadcast_id") == bid]
    for message in sent:
        for part in (message.subject, message.html):
            assert not any(leak in part for leak in LEAKS), part[:200]
    status = ck.get_broadcast_stats(bid)["broadcast"]["stats"]["status"]
    assert status in ("completed", "failed")
    assert not canary.exists()


def test_runaway_loops_stop_within_the_budget() -> None:
    sequential = "{% for i in (1..90000) %}{% endfor %}" * 3
    nested = "{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}"
    grow = "{% assign s = 'x' %}{% for i in (1..60) %}{% assign s = s | append: s %}{% endfor %}"
    for template in (sequential, nested, grow + "{{ s }}"):
        started = time.perf_counter()
        with pytest.raises(Exception) as info:
            render_liquid(template, "", [{"subscriber": {}}])
        assert time.perf_counter() - started < 3
        assert isinstance(info.value, RenderLimitError) or "limit" in str(info.value).lower()


def test_a_runaway_broadcast_fails_with_its_reason_and_can_be_fixed(
        convertkit_mock: ConvertKitMock) -> None:
    mock, ck = convertkit_mock, convertkit_mock.client()
    mock.clock.freeze(T0)
    loop = "{% for i in (1..90000) %}{% endfor %}" * 3
    bid = ck.create_broadcast(subject="Loop", content=loop,
                              send_at="2026-03-01T12:00:01Z")["broadcast"]["id"]
    mock.clock.advance(2)
    stats = ck.get_broadcast_stats(bid)["broadcast"]["stats"]
    assert stats["status"] == "failed" and stats["recipients"] == 0
    failed = mock.world.default.broadcasts.get(bid)
    assert failed is not None and failed.error is not None
    assert "100,000 loop iterations" in failed.error
    # nothing went out: one failed entry, addressed to the sender, says why
    [entry] = mock.outbox.messages("convertkit", kind="broadcast")
    assert (entry.status, entry.to, entry.meta["error"]) == ("failed", "owner@acme.test",
                                                            failed.error)
    # the lifecycle allows fixing it: edited and rescheduled, it goes out
    ck.update_broadcast(bid, content="<p>fixed</p>", send_at="2026-03-01T12:00:05Z")
    mock.clock.advance(5)
    assert ck.get_broadcast_stats(bid)["broadcast"]["stats"]["status"] == "completed"


@pytest.mark.slow
def test_a_runaway_render_never_stalls_the_other_apis() -> None:
    from mailmocks.pytest_plugin import LiveServer
    from mailmocks.sandbox import Sandbox
    from mailmocks.testing import make_mock

    box = Sandbox(["convertkit", "botamp"], strict=True)
    with LiveServer(box) as server:
        ck = make_mock(ConvertKitMock, root=server.url, sandbox=box)
        client = ck.client()
        heavy = "{% for i in (1..4000) %}{% endfor %}"  # ~10 ms a recipient, 273 recipients
        bid = client.create_broadcast(subject="Heavy", content=heavy)["broadcast"]["id"]
        client.update_broadcast(bid, send_at=datetime.now(timezone.utc).isoformat())
        deadline = time.monotonic() + 5
        with httpx.Client(base_url=server.url, trust_env=False) as http:
            while box.world("convertkit").default.broadcasts.get(bid).status != "sending":
                assert time.monotonic() < deadline, "the broadcast never started"
                time.sleep(0.005)
            slowest = 0.0
            for _ in range(20):  # while ConvertKit renders 273 heavy emails on a worker thread
                started = time.perf_counter()
                answer = http.get("/_admin/clock")
                slowest = max(slowest, time.perf_counter() - started)
                assert answer.status_code == 200
            assert box.world("convertkit").default.broadcasts.get(bid).status == "sending"
            while box.world("convertkit").default.broadcasts.get(bid).status == "sending":
                assert time.monotonic() < deadline + 30, "the broadcast never finished"
                time.sleep(0.05)
        assert slowest < 0.5, f"the sandbox stalled for {slowest:.3f} s"
        assert box.world("convertkit").default.broadcasts.get(bid).recipients == 273
        ck.close()
