from __future__ import annotations

from mailmocks.core.clock import Clock
from mailmocks.core.outbox import Outbox


def test_outbox_is_bounded_by_count_and_bytes() -> None:
    outbox = Outbox(Clock(frozen_at=0.0), maxlen=100, max_bytes=1 << 20)
    for i in range(300):
        outbox.add(api="x", channel="email", to=f"{i}@example.com", html="h" * 50_000)
    assert outbox.bytes <= 1 << 20 and 0 < len(outbox) < 30
    assert outbox.messages()[-1].to == "299@example.com"  # the newest are kept
    small = Outbox(Clock(frozen_at=0.0), maxlen=100)
    for i in range(150):
        small.add(api="x", channel="sms", to=str(i))
    assert len(small) == 100 and small.messages()[0].to == "50"


def test_filling_a_queued_message_counts_its_bytes() -> None:
    outbox = Outbox(Clock(frozen_at=0.0))
    msg = outbox.add(api="x", channel="email", to="a@example.com", status="IN_QUEUE")
    before = outbox.bytes
    outbox.fill(msg, subject="Hi", html="<p>" + "x" * 1000 + "</p>", text="x" * 1000)
    assert msg.html.startswith("<p>") and outbox.bytes == before + 2 + 1007 + 1000
    outbox.clear()
    assert outbox.bytes == 0
