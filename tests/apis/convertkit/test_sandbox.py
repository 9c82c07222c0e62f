"""The double opt-in round trip (§4, §16, D-6, D-7): the confirmation email (jobs.py) and
the link that activates the subscriber (sandbox.py). References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from support import Receiver

from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
T0_ISO = "2026-03-01T12:00:00.000Z"


@pytest.mark.slow
def test_double_opt_in_round_trip(convertkit_mock: ConvertKitMock, ck: ConvertKit, pub: ConvertKit,
                                  receiver: Receiver) -> None:
    mock = convertkit_mock
    mock.clock.freeze(T0)
    ck.create_webhook(f"{receiver.url}/activate", {"name": "subscriber.subscriber_activate"})
    sub = pub.add_subscriber_to_form(3002, "dany@example.com", first_name="Daenerys",
                                     fields={"last_name": "Targaryen"})["subscription"]
    sid = sub["subscriber"]["id"]
    assert (sub["state"], sub["subscribable_id"], sub["subscriber"]) == (
        "inactive", 3002, {"id": sid})
    assert ck.get_subscriber(sid)["subscriber"]["state"] == "inactive"
    # D-7: inactive subscribers are in the default listing
    assert ck.list_subscribers(email_address="dany@example.com")["subscribers"][0][
        "state"] == "inactive"
    mock.drain()
    assert receiver.bodies("/activate") == []  # not active yet

    [mail] = mock.outbox.messages("convertkit", kind="confirmation", to="dany@example.com")
    link = mail.meta["confirmation_url"]
    assert mail.subject == "Confirm your copy of the ebook, Daenerys"
    assert mail.sender == "owner@acme.test"
    assert mail.meta["form_id"] == 3002
    assert mail.html == ("<p>Hi Daenerys,</p><p>One click and the ebook is yours:</p>"
                         f'<p><a href="{link}">Yes, send it</a></p>')

    r = mock.http.get(link)
    assert r.status_code == 200
    assert "Subscription confirmed" in r.text and "dany@example.com" in r.text
    assert ck.get_subscriber(sid)["subscriber"]["state"] == "active"
    listed = ck.list_form_subscriptions(3002, sort_order="desc")["subscriptions"][0]
    assert (listed["id"], listed["state"], listed["subscriber"]["id"]) == (sub["id"], "active",
                                                                          sid)
    mock.drain()
    [activated] = receiver.bodies("/activate")
    assert activated == {"subscriber": {
        "id": sid, "first_name": "Daenerys", "email_address": "dany@example.com",
        "state": "active", "created_at": T0_ISO,
        "fields": {"last_name": "Targaryen", "company": None, "phone_number": None,
                   "favourite_colour": None}}}
    # the link works once
    again = mock.http.get(link)
    assert again.status_code == 404 and "not valid" in again.text
    assert len(mock.outbox.messages("convertkit", kind="confirmation")) == 1


def test_double_opt_in_form_keeps_unconfirmed_subscribers_out_of_active_lists(
        convertkit_mock: ConvertKitMock, ck: ConvertKit, pub: ConvertKit) -> None:
    before = ck.list_form_subscriptions(3002)["total_subscriptions"]
    pub.add_subscriber_to_form(3002, "wait@example.com")
    assert ck.list_form_subscriptions(3002)["total_subscriptions"] == before
    # subscribing again before confirming sends the same link again
    pub.add_subscriber_to_form(3002, "wait@example.com")
    mails = convertkit_mock.outbox.messages("convertkit", kind="confirmation",
                                            to="wait@example.com")
    assert len(mails) == 2
    assert mails[0].meta["confirmation_url"] == mails[1].meta["confirmation_url"]


def test_double_opt_in_for_a_cancelled_subscriber(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                                  pub: ConvertKit) -> None:
    email = ck.get_subscriber(34)["subscriber"]["email_address"]
    sub = pub.add_subscriber_to_form(3002, email)["subscription"]
    assert sub["state"] == "inactive"
    assert ck.get_subscriber(34)["subscriber"]["state"] == "inactive"  # D-6
    [mail] = convertkit_mock.outbox.messages("convertkit", kind="confirmation", to=email)
    assert convertkit_mock.http.get(mail.meta["confirmation_url"]).status_code == 200
    assert ck.get_subscriber(34)["subscriber"]["state"] == "active"


def test_plain_form_sends_no_confirmation(convertkit_mock: ConvertKitMock, pub: ConvertKit) -> None:
    pub.add_subscriber_to_form(3001, "plain@example.com")
    assert convertkit_mock.outbox.messages("convertkit", kind="confirmation") == []


def test_unknown_confirmation_link_is_404(convertkit_mock: ConvertKitMock) -> None:
    r = convertkit_mock.http.get("/confirm/not-a-token")
    assert r.status_code == 404 and "not valid" in r.text
