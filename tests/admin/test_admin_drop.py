"""A dropped-connection fault, served for real: the client sees the connection cut."""
from __future__ import annotations

import httpx
import pytest

from mailmocks.pytest_plugin import LiveServer
from mailmocks.sandbox import Sandbox

pytestmark = pytest.mark.slow


def test_a_drop_fault_cuts_the_connection_once() -> None:
    box = Sandbox(["convertkit"])
    with LiveServer(box) as server, httpx.Client(base_url=server.url, trust_env=False) as http:
        made = http.post("/_admin/faults", json={"api": "convertkit", "operation": "list_tags",
                                                 "drop": True, "times": 1})
        assert made.status_code == 201 and made.json()["drop"] is True
        with pytest.raises(httpx.TransportError):
            http.get("/convertkit/v3/tags", params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"})
        again = http.get("/convertkit/v3/tags", params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"})
        assert again.status_code == 200
        [cut, ok] = http.get("/_admin/journal", params={"operation": "list_tags"}).json()
        assert cut["status"] is None and "dropped the connection" in cut["fault"]
        assert ok["status"] == 200 and ok["fault"] is None
