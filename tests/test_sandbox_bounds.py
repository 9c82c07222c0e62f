"""What traffic can make the sandbox keep: bounded, whatever the requests carry."""
from __future__ import annotations

import httpx

from mailmocks.core import Services
from mailmocks.core.journal import CLIP_MARK, Journal
from mailmocks.sandbox import Sandbox
from mailmocks.transport import SyncASGITransport


def test_oversized_unauthenticated_bodies_keep_the_journal_within_its_budget() -> None:
    services = Services(journal=Journal(max_bytes=1 << 20, body_bytes=16 << 10))
    box = Sandbox(["esputnik", "convertkit"], services=services)
    body = b'{"contacts": [{"email": "' + b"x" * (2 << 20) + b'"}]}'
    with httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1") as http:
        for i in range(120):
            path = "/esputnik/api/v1/contacts" if i % 2 else "/convertkit/v3/forms/3001/subscribe"
            r = http.post(path, content=body, auth=("x", "wrong"),
                          headers={"content-type": "application/json"})
            assert r.status_code in (401, 413)
    journal = services.journal
    assert journal.bytes <= 1 << 20
    kept = journal.entries()
    assert kept
    # a body over the API's limit is refused from its Content-Length: nothing of it is kept
    assert all(e.request_body is None for e in kept if e.status == 413)
    assert all(e.clipped and len(e.request_body) <= (16 << 10) + len(CLIP_MARK.encode())
               for e in kept if e.status == 401)
    assert journal.records()[-1]["request_body"].endswith(CLIP_MARK)
