"""Billetto's source (mailmocks/apis/billetto/source.py): one event built and sent, signed, to
a URL or every registered target, through the core webhooks (journaled under `billetto`,
marked with x-mailmocks-delivery); reached in tests as `highlevel_mock.billetto`.

Facts: docs/vendors/billetto.md §6 and decisions D-1 to D-3.
"""
from __future__ import annotations

import pytest
from support import Receiver

from mailmocks import billetto
from mailmocks.apis.billetto import Source, emit
from mailmocks.core import Services
from mailmocks.testing.highlevel import Mock as HighLevelMock


def test_every_action_is_emitted_signed_and_journaled(highlevel_mock: HighLevelMock,
                                                      receiver: Receiver) -> None:
    emitter, url = highlevel_mock.billetto, f"{receiver.url}/billetto"
    for action in billetto.ACTIONS:
        data = {"id": 424242} if action.startswith("event.") else None
        delivery = emitter.emit(action, url, data=data)
        assert delivery.state == "delivered" and delivery.attempts[-1].status == 200
    for hit in receiver.hits:
        assert hit["headers"]["user-agent"] == "Billetto-Webhooks/1.0"
        assert hit["headers"]["x-mailmocks-delivery"]
        assert emitter.verify(hit["raw"], hit["headers"]["billetto-signature"],
                              now=highlevel_mock.clock.now())
    received = receiver.bodies("/billetto")
    assert [e["action"] for e in received] == list(billetto.ACTIONS)
    order = received[0]["data"]
    assert order["object"] == "order" and "@" in order["email"] and order["state"] == "completed"
    attendee = received[1]["data"]
    assert attendee["object"] == "attendee" and attendee["ticket_type"]["name"]
    published, updated, cancelled = (e["data"] for e in received[2:])
    assert published["id"] == updated["id"] == cancelled["id"] == 424242
    assert published["name"] == updated["name"] and cancelled["state"] == "cancelled"
    webhooks = highlevel_mock.journal.records(api="billetto", kind="webhook")
    assert [w["operation"] for w in webhooks] == list(billetto.ACTIONS)
    assert webhooks[0]["status"] == 200 and webhooks[0]["response_body"] == "ok"
    assert webhooks[0]["path"] == url


def test_a_receiver_with_another_secret_refuses(highlevel_mock: HighLevelMock,
                                                receiver: Receiver) -> None:
    """Signed with another secret, the delivery does not verify with the sandbox's; the
    receiver's 401 fails it, and Billetto deliveries are not retried."""
    emitter = highlevel_mock.billetto
    receiver.status = 401
    delivery = emitter.emit("order.completed", receiver.url, secret="whsec_wrong")
    assert delivery.state == "failed" and [a.status for a in delivery.attempts] == [401]
    hit = receiver.hits[0]
    header = hit["headers"]["billetto-signature"]
    with pytest.raises(billetto.SignatureError, match="does not match"):
        emitter.verify(hit["raw"], header, now=highlevel_mock.clock.now())
    assert billetto.verify(hit["raw"], header, "whsec_wrong", now=highlevel_mock.clock.now())
    highlevel_mock.advance(3600)
    assert len(receiver.hits) == 1


def test_the_secret_comes_from_the_fixtures_and_signing_reads_the_sandbox_clock(
        highlevel_mock: HighLevelMock, receiver: Receiver) -> None:
    emitter = highlevel_mock.billetto
    assert emitter.secret == "whsec_billetto_sandbox_5b2f8e1c9a7d4e30"  # fixtures/highlevel.yaml
    highlevel_mock.clock.freeze(1_700_000_000.0)
    emitter.emit("event.published", receiver.url)
    header = receiver.hits[0]["headers"]["billetto-signature"]
    assert header.startswith("t=1700000000,v1=")
    assert emitter.verify(receiver.hits[0]["raw"], header, now=1_700_000_000.0)


def test_without_a_target_nothing_is_sent() -> None:
    services = Services()
    with pytest.raises(ValueError, match="no target"):
        emit(Source("whsec_x"), services, "order.completed")
    assert services.webhooks.deliveries("billetto") == []


def test_registered_targets_each_get_one_delivery_signed_with_their_secret(
        receiver: Receiver) -> None:
    services, source = Services(), Source("whsec_default", seed=3)
    source.add_target(f"{receiver.url}/a")
    source.add_target(f"{receiver.url}/b", "whsec_b")
    sent = emit(source, services, "attendee.created")
    services.jobs.drain()
    assert [d.state for d in sent] == ["delivered", "delivered"]
    assert sent[0].payload == sent[1].payload  # one event, two deliveries
    by_path = {h["path"]: h for h in receiver.hits}
    for path, secret in (("/a", "whsec_default"), ("/b", "whsec_b")):
        hit = by_path[path]
        assert billetto.is_valid(hit["raw"], hit["headers"]["billetto-signature"], secret,
                                 now=services.clock.now())


def test_the_emitter_follows_a_sandbox_reset(highlevel_mock: HighLevelMock,
                                             receiver: Receiver) -> None:
    emitter = highlevel_mock.billetto
    emitter.source.add_target(receiver.url)
    highlevel_mock.sandbox.reset()  # a fresh world: no targets, a fresh source
    assert emitter.source is highlevel_mock.world.billetto and emitter.source.targets == {}
    with pytest.raises(ValueError, match="no target"):
        emitter.emit("order.completed")
