"""Billetto's control routes (mailmocks/apis/billetto/sandbox.py), served by HighLevel at the
paths they always had: /highlevel/_sandbox/billetto/{emit,targets,deliveries}."""
from __future__ import annotations

import httpx
from support import Receiver

from mailmocks.sandbox import Sandbox
from mailmocks.testing.highlevel import Mock as HighLevelMock
from mailmocks.transport import SyncASGITransport


def test_control_routes_register_targets_and_emit(highlevel_mock: HighLevelMock,
                                                  receiver: Receiver) -> None:
    http = highlevel_mock.http
    assert http.post("/_sandbox/billetto/emit", json={"action": "order.completed"}
                     ).status_code == 400  # no target yet
    assert http.post("/_sandbox/billetto/emit", json={"action": "order.refunded"}
                     ).status_code == 400
    assert http.post("/_sandbox/billetto/targets", json={"url": "ftp://x"}).status_code == 400
    target = http.post("/_sandbox/billetto/targets", json={"url": receiver.url}).json()
    assert target["secret"] == highlevel_mock.billetto.secret
    assert http.get("/_sandbox/billetto/targets").json() == [target]
    sent = http.post("/_sandbox/billetto/emit", json={"action": "attendee.created",
                                                      "data": {"first_name": "Ada"}})
    assert sent.status_code == 202 and sent.json()["payload"]["data"]["first_name"] == "Ada"
    highlevel_mock.drain()
    delivery = http.get(f"/_sandbox/billetto/deliveries/{sent.json()['deliveries'][0]['id']}")
    assert delivery.json()["state"] == "delivered"
    assert receiver.bodies("/")[0]["data"]["first_name"] == "Ada"
    assert http.delete(f"/_sandbox/billetto/targets/{target['id']}").status_code == 204
    assert http.delete(f"/_sandbox/billetto/targets/{target['id']}").status_code == 404
    assert http.get("/_sandbox/billetto/deliveries").json()[0]["event"] == "attendee.created"
    assert http.get("/_sandbox/billetto/deliveries/999").status_code == 404


def test_the_routes_keep_their_paths_in_the_whole_sandbox(receiver: Receiver) -> None:
    box = Sandbox(["highlevel"], strict=True)
    with httpx.Client(transport=SyncASGITransport(box), base_url="http://127.0.0.1:8025") as c:
        base = "/highlevel/_sandbox/billetto"
        assert c.post(f"{base}/targets", json={"url": receiver.url}).status_code == 201
        assert c.get(f"{base}/targets").json()[0]["url"] == receiver.url
        assert c.post(f"{base}/emit", json={"action": "event.published"}).status_code == 202
