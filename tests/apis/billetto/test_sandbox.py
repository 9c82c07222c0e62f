"""Billetto's control routes (mailmocks/apis/billetto/sandbox.py), served by HighLevel at the
paths they always had: /highlevel/_sandbox/billetto/{emit,targets,deliveries}."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
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


BAD_EMITS = [
    ({"action": "event.published", "data": {"id": [1]}}, "data.id must be an integer"),
    ({"action": "event.published", "data": {"id": {"a": 1}}}, "data.id must be an integer"),
    ({"action": "event.updated", "data": {"id": "١٢"}}, "data.id must be an integer"),
    ({"action": "event.published", "data": {"id": 10**30}}, "data.id must be an integer"),
    ({"action": "order.completed", "data": {"event": [1]}}, "data.event must be an integer"),
    ({"action": "attendee.created", "data": {"id": True}}, "data.id must be an integer"),
    ({"action": "event.published", "data": {"ticket_types": "x"}}, "data.ticket_types"),
    ({"action": "event.published", "data": {"id": 1.5}}, "data.id must be an integer"),
    ({"action": "event.published", "data": [1]}, "data must be a JSON object"),
    ({"action": "event.published", "secret": 123}, "secret must be a non-empty string"),
    ({"action": "event.published", "url": "http://127.0.0.1:9/", "secret": ["a"]},
     "secret must be a non-empty string"),
    ({"action": "event.published", "url": ["http://127.0.0.1:9/"]}, "url must be an http"),
    ({"action": "event.published", "url": "http:nohost"}, "url must be an http"),
]


@pytest.mark.parametrize(("spec", "error"), BAD_EMITS)
def test_bad_emits_are_400_and_break_nothing(highlevel_mock: HighLevelMock, receiver: Receiver,
                                             spec: dict[str, Any], error: str) -> None:
    """issue 18: these answered 500 (and an odd event id could be kept); now a clear 400,
    nothing sent or kept, and the next emit works."""
    http = highlevel_mock.http
    http.post("/_sandbox/billetto/targets", json={"url": receiver.url})
    bad = http.post("/_sandbox/billetto/emit", json=spec)
    assert bad.status_code == 400 and error in bad.json()["error"], bad.text
    assert http.get("/_sandbox/billetto/deliveries").json() == []
    assert highlevel_mock.billetto.source.events == {}
    good = http.post("/_sandbox/billetto/emit", json={"action": "order.completed"})
    assert good.status_code == 202
    highlevel_mock.drain()
    assert [b["action"] for b in receiver.bodies("/")] == ["order.completed"]


@pytest.mark.parametrize("secret", [["a"], 123, "", {"k": "v"}, True])
def test_a_target_with_a_bad_secret_is_refused_not_kept(highlevel_mock: HighLevelMock,
                                                        receiver: Receiver, secret: Any) -> None:
    """issue 18: a target registered with a list secret made every later emit fail."""
    http = highlevel_mock.http
    bad = http.post("/_sandbox/billetto/targets", json={"url": receiver.url, "secret": secret})
    assert (bad.status_code, bad.json()) == (400, {"error": "secret must be a non-empty string"})
    assert http.get("/_sandbox/billetto/targets").json() == []
    http.post("/_sandbox/billetto/targets", json={"url": receiver.url})
    assert http.post("/_sandbox/billetto/emit", json={"action": "event.published"}
                     ).status_code == 202


@pytest.mark.parametrize("body", [b"[1]", b"{", b'"x"', b"\xff"])
def test_a_body_that_is_no_json_object_is_400(highlevel_mock: HighLevelMock,
                                              body: bytes) -> None:
    for path in ("/_sandbox/billetto/emit", "/_sandbox/billetto/targets"):
        answer = highlevel_mock.http.post(path, content=body,
                                          headers={"content-type": "application/json"})
        assert (answer.status_code, answer.json()) == (
            400, {"error": "the body must be a JSON object"})


@pytest.mark.parametrize("tail", ["9" * 5000, "9" * 19, "١", "-1", "1.0", "abc"])
def test_odd_target_and_delivery_ids_are_404(highlevel_mock: HighLevelMock, tail: str) -> None:
    """issue 18: 5000-digit ids answered 500 (Python's int() digit limit)."""
    http = highlevel_mock.http
    assert http.get(f"/_sandbox/billetto/deliveries/{tail}").json() == {
        "error": "no such delivery"}
    assert http.delete(f"/_sandbox/billetto/targets/{tail}").status_code == 404


def test_data_that_cannot_be_sent_is_refused_before_it_is_kept(highlevel_mock: HighLevelMock,
                                                              receiver: Receiver) -> None:
    """A Python caller can pass an integer JSON cannot carry in 64 bits."""
    emitter = highlevel_mock.billetto
    with pytest.raises(ValueError, match="cannot be sent as JSON"):
        emitter.emit("event.published", receiver.url, data={"capacity": 10**30})
    assert emitter.source.events == {}
    assert highlevel_mock.services.webhooks.deliveries("billetto") == []
