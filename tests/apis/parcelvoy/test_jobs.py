"""The send pipeline (jobs.py): campaign trigger -> queued jobs -> rendered message in the
outbox (docs/vendors/parcelvoy.md §4.1).

The three trigger examples of the docs (email, SMS text, push), each producing after
`parcelvoy_mock.drain()` the rendered message, the send record and the events; unsubscribed
users who get nothing; the failure and abort paths; template choice by locale; and the same
email example through the running sandbox (uvicorn on 127.0.0.1).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support import wait_for

from mailmocks.clients.base import InvalidRequest
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

EMAIL_CAMPAIGN, TEXT_CAMPAIGN, PUSH_CAMPAIGN = 44, 45, 46

# The docs' examples (docs/docs/api/admin.md), trailing commas removed.
EMAIL_EXAMPLE = {"user": {"external_id": "EXTERNAL_ID", "email": "test@test.com",
                          "timezone": "America/Chicago", "locale": "en"},
                 "event": {"random_field": "value"}}
TEXT_EXAMPLE = {"user": {"external_id": "EXTERNAL_ID", "phone": "+12345678900",
                         "timezone": "America/Chicago", "locale": "en"},
                "event": {"random_field": "value"}}
PUSH_EXAMPLE = {"user": {"external_id": "EXTERNAL_ID", "device_token": "DEVICE_TOKEN",
                         "timezone": "America/Chicago", "locale": "en"},
                "event": {"random_field": "value"}}


def trigger(mock: ParcelvoyMock, campaign: int, body: dict[str, Any]) -> httpx.Response:
    return mock.http.post(f"/api/client/campaigns/{campaign}/trigger", json=body,
                          headers={"Authorization": f"Bearer {mock.secret_key}"})


def test_email_example(parcelvoy_mock: ParcelvoyMock) -> None:
    r = trigger(parcelvoy_mock, EMAIL_CAMPAIGN, EMAIL_EXAMPLE)
    assert (r.status_code, r.json()) == (200, {"success": True})
    assert parcelvoy_mock.outbox.messages() == []  # nothing before the queue runs
    assert parcelvoy_mock.user("EXTERNAL_ID") is None
    parcelvoy_mock.drain()
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy")
    assert (msg.channel, msg.to, msg.sender) == ("email", "test@test.com",
                                                 "Acme <hello@acme.test>")
    assert msg.subject == "Thanks for your order, !"  # no first_name: Handlebars renders ""
    assert "<p>Note: value</p>" in msg.html  # {{event.data.random_field}}
    assert "/api/unsubscribe/email?u=" in msg.html and "&amp;" not in msg.html  # SafeString
    assert '/api/o?u=' in msg.html  # open pixel
    assert "Note: value" in msg.text  # text generated from the html
    [send] = parcelvoy_mock.sends(EMAIL_CAMPAIGN)
    user = parcelvoy_mock.user("EXTERNAL_ID")
    assert user is not None
    assert (send.state, send.user_id, send.reference_type) == ("sent", user.id, "trigger")
    assert send.message_ids == [msg.id] and msg.meta["reference_id"] == send.reference_id
    assert parcelvoy_mock.events("EXTERNAL_ID") == ["campaign_trigger", "user_created",
                                                    "email_sent"]
    assert (user.email, user.timezone, user.locale) == ("test@test.com", "America/Chicago", "en")


def test_text_example(parcelvoy_mock: ParcelvoyMock) -> None:
    assert trigger(parcelvoy_mock, TEXT_CAMPAIGN, TEXT_EXAMPLE).status_code == 200
    parcelvoy_mock.drain()
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy", channel="sms")
    # the project's opt-out message follows the user's first text only
    assert (msg.to, msg.text) == ("+12345678900",
                                  "Hi , your value is value.\nReply STOP to opt out.")
    assert [s.state for s in parcelvoy_mock.sends(TEXT_CAMPAIGN)] == ["sent"]
    assert parcelvoy_mock.events("EXTERNAL_ID")[-1] == "text_sent"
    trigger(parcelvoy_mock, TEXT_CAMPAIGN, TEXT_EXAMPLE)  # no idempotency: sends again
    parcelvoy_mock.drain()
    second = parcelvoy_mock.outbox.messages("parcelvoy", channel="sms")[-1]
    assert second.text == "Hi , your value is value."
    assert len(parcelvoy_mock.sends(TEXT_CAMPAIGN)) == 2


def test_push_example(parcelvoy_mock: ParcelvoyMock) -> None:
    assert trigger(parcelvoy_mock, PUSH_CAMPAIGN, PUSH_EXAMPLE).status_code == 200
    parcelvoy_mock.drain()
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy", channel="push")
    assert (msg.to, msg.subject, msg.text) == ("DEVICE_TOKEN", "Hello ", "Your value: value")
    assert msg.meta["topic"] == "com.acme.app"
    assert msg.meta["custom"] == {"campaign": "App nudge"}
    [send] = parcelvoy_mock.sends(PUSH_CAMPAIGN)
    assert msg.meta["url"] == f"https://acme.test/app?ref={send.reference_id}"
    user = parcelvoy_mock.user("EXTERNAL_ID")
    assert user is not None
    devices = [(d.device_id, d.token) for d in user.devices or []]
    assert devices == [("DEVICE_TOKEN", "DEVICE_TOKEN")]
    assert parcelvoy_mock.events("EXTERNAL_ID")[-1] == "push_sent"
    # the first device with a token subscribed the new user to push
    subs = parcelvoy_mock.client().list_user_subscriptions("EXTERNAL_ID")["results"]
    assert {s["channel"] for s in subs} == {"push"}


def test_custom_user_fields_go_to_data_and_the_event_record_renders(
        parcelvoy_mock: ParcelvoyMock) -> None:
    body = {"user": {"external_id": "2391992", "email": "email@testing.com",
                     "first_name": "Chris", "extra_user_property": True},
            "event": {"purchase_amount": 29.99}}
    trigger(parcelvoy_mock, EMAIL_CAMPAIGN, body)
    parcelvoy_mock.drain()
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy")
    assert msg.subject == "Thanks for your order, Chris!"
    assert "You spent $29.99." in msg.html
    assert msg.data["event"]["name"] == "campaign_trigger"
    assert msg.data["event"]["data"]["campaign"] == {"id": 44, "name": "Order receipt"}
    assert msg.data["context"]["campaign_id"] == 44
    user = parcelvoy_mock.client().get_user("2391992")
    assert user["data"] == {"first_name": "Chris", "extra_user_property": True}


def test_existing_user_data_is_merged_and_kept(parcelvoy_mock: ParcelvoyMock) -> None:
    trigger(parcelvoy_mock, EMAIL_CAMPAIGN, {"user": {"external_id": "ann", "vip": True},
                                             "event": {"purchase_amount": 5}})
    parcelvoy_mock.drain()
    user = parcelvoy_mock.client().get_user("ann")
    assert user["data"] == {"first_name": "Ann", "last_name": "Lee", "plan": "pro", "vip": True,
                            "phone_country": "US", "phone_is_valid": True}  # her phone's
    assert user["email"] == "ann@example.com"  # not given: not overwritten
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy")
    assert (msg.to, msg.subject) == ("ann@example.com", "Thanks for your order, Ann!")


def test_unsubscribed_user_gets_nothing(parcelvoy_mock: ParcelvoyMock) -> None:
    for campaign in (EMAIL_CAMPAIGN, TEXT_CAMPAIGN):
        assert trigger(parcelvoy_mock, campaign, {"user": {"external_id": "unsub"},
                                                  "event": {}}).status_code == 200
    parcelvoy_mock.drain()
    assert parcelvoy_mock.outbox.messages() == []
    assert parcelvoy_mock.sends() == []  # silently: no send record at all
    assert parcelvoy_mock.events("unsub") == ["campaign_trigger", "campaign_trigger"]


def test_unsubscribing_through_the_api_stops_sends(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    user = pv.update_user_subscriptions("ann", [{"subscription_id": 1, "state": 0}])
    assert user["external_id"] == "ann"
    assert parcelvoy_mock.events("ann") == ["unsubscribed"]
    pv.trigger_campaign(EMAIL_CAMPAIGN, {"external_id": "ann"}, {})
    parcelvoy_mock.drain()
    assert parcelvoy_mock.outbox.messages() == []
    pv.update_user_subscriptions("ann", [{"subscription_id": 1, "state": 2}])
    pv.trigger_campaign(EMAIL_CAMPAIGN, {"external_id": "ann"}, {})
    parcelvoy_mock.drain()
    assert len(parcelvoy_mock.outbox.messages()) == 1
    assert parcelvoy_mock.events("ann")[:3] == ["unsubscribed", "campaign_trigger", "subscribed"]


def test_unsubscribe_between_trigger_and_send_aborts(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.trigger_campaign(EMAIL_CAMPAIGN, {"external_id": "ann"}, {})
    parcelvoy_mock.jobs.run(parcelvoy_mock.jobs.pending()[0])  # the trigger job only
    pv.update_user_subscriptions("ann", [{"subscription_id": 1, "state": 0}])
    parcelvoy_mock.drain()
    [send] = parcelvoy_mock.sends()
    assert send.state == "aborted" and parcelvoy_mock.outbox.messages() == []


def test_missing_contact_data_fails_with_a_channel_failed_event(
        parcelvoy_mock: ParcelvoyMock) -> None:
    trigger(parcelvoy_mock, EMAIL_CAMPAIGN, {"user": {"external_id": "no-email"}, "event": {}})
    trigger(parcelvoy_mock, TEXT_CAMPAIGN, {"user": {"external_id": "no-email"}, "event": {}})
    parcelvoy_mock.drain()
    assert [s.state for s in parcelvoy_mock.sends()] == ["failed", "failed"]
    assert parcelvoy_mock.events("no-email")[-2:] == ["email_failed", "text_failed"]
    assert parcelvoy_mock.outbox.messages() == []


def test_push_without_a_token_stays_pending(parcelvoy_mock: ParcelvoyMock) -> None:
    trigger(parcelvoy_mock, PUSH_CAMPAIGN, {"user": {"external_id": "bea"}, "event": {}})
    parcelvoy_mock.drain()
    assert [s.state for s in parcelvoy_mock.sends()] == ["pending"]
    assert parcelvoy_mock.outbox.messages() == []


def test_template_problems_and_missing_templates(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    blast = 47  # a blast campaign without templates can still be triggered
    trigger(parcelvoy_mock, blast, {"user": {"external_id": "ann"}, "event": {}})
    pv.update_template(1, type="email", data={"subject": "No sender", "html": "<p>x</p>"})
    trigger(parcelvoy_mock, EMAIL_CAMPAIGN, {"user": {"external_id": "ann"}, "event": {}})
    parcelvoy_mock.drain()
    no_template, invalid = parcelvoy_mock.sends()
    assert (no_template.state, no_template.error) == ("failed", "no template")
    assert (invalid.state, invalid.error) == ("failed", "Template is missing from.address")
    assert parcelvoy_mock.events("ann").count("email_failed") == 1  # only the invalid one


def test_a_failing_provider_marks_the_send_failed(parcelvoy_mock: ParcelvoyMock) -> None:
    provider = parcelvoy_mock.world.providers.get(1)
    assert provider is not None
    provider.fail = "SMTP 550 mailbox unavailable"
    trigger(parcelvoy_mock, EMAIL_CAMPAIGN, {"user": {"external_id": "ann"}, "event": {}})
    parcelvoy_mock.drain()
    [send] = parcelvoy_mock.sends()
    assert (send.state, send.error) == ("failed", "SMTP 550 mailbox unavailable")
    [event] = [e for e in parcelvoy_mock.world.events if e.name == "email_failed"]
    assert event.data["error"] == "SMTP 550 mailbox unavailable"


def test_template_chosen_by_locale(parcelvoy_mock: ParcelvoyMock) -> None:
    for ext, locale in (("l1", "es"), ("l2", "es-MX"), ("l3", "fr"), ("l4", "en-GB")):
        trigger(parcelvoy_mock, EMAIL_CAMPAIGN, {
            "user": {"external_id": ext, "email": f"{ext}@example.com", "locale": locale,
                     "first_name": ext}, "event": {"purchase_amount": 1}})
    parcelvoy_mock.drain()
    chosen = {m.to.split("@")[0]: m.meta["locale"] for m in parcelvoy_mock.outbox.messages()}
    # exact, language root, then the project's locale (en)
    assert chosen == {"l1": "es", "l2": "es", "l3": "en", "l4": "en"}


def test_campaign_archived_before_the_job_runs_sends_nothing(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.trigger_campaign(EMAIL_CAMPAIGN, {"external_id": "ann"}, {})
    pv.delete_campaign(EMAIL_CAMPAIGN)
    parcelvoy_mock.drain()
    assert parcelvoy_mock.sends() == [] and parcelvoy_mock.events("ann") == []


def test_delivery_counters(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.trigger_campaign(EMAIL_CAMPAIGN, {"external_id": "ann"}, {})
    pv.trigger_campaign(EMAIL_CAMPAIGN, {"external_id": "nobody"}, {})  # no email: fails
    parcelvoy_mock.drain()
    delivery = pv.get_campaign(EMAIL_CAMPAIGN)["delivery"]
    assert (delivery["sent"], delivery["total"]) == (1, 2)


def test_email_example_in_the_running_sandbox(parcelvoy_live: ParcelvoyMock) -> None:
    url = f"{parcelvoy_live.base_url}/api/client/campaigns/{EMAIL_CAMPAIGN}/trigger"
    r = httpx.post(url, json=EMAIL_EXAMPLE, trust_env=False,
                   headers={"Authorization": f"Bearer {parcelvoy_live.secret_key}"})
    assert (r.status_code, r.json()) == (200, {"success": True})
    assert wait_for(parcelvoy_live.outbox.messages, timeout=5)  # the ticker runs the queue
    [msg] = parcelvoy_live.outbox.messages("parcelvoy")
    assert msg.to == "test@test.com" and "<p>Note: value</p>" in msg.html
    assert msg.html.count(parcelvoy_live.base_url + "/api/unsubscribe/email") == 1
    assert [s.state for s in parcelvoy_live.sends()] == ["sent"]


def test_webhook_campaign_renders_and_posts(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    campaign = pv.create_campaign(type="trigger", subscription_id=4, provider_id=4, name="Hook")
    pv.create_template(type="webhook", campaign_id=campaign["id"], locale="en", data={
        "method": "POST", "endpoint": "http://127.0.0.1:9/hooks/{{user.external_id}}",
        "headers": {"X-Plan": "{{user.plan}}"}, "body": {"order": "{{event.data.order}}",
                                                        "fixed": 3}})
    pv.trigger_campaign(campaign["id"], {"external_id": "ann"}, {"order": "A-1"})
    parcelvoy_mock.drain()
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy", channel="webhook")
    assert (msg.to, msg.subject) == ("http://127.0.0.1:9/hooks/ann", "POST")
    assert msg.meta["headers"] == {"X-Plan": "pro"}
    [delivery] = parcelvoy_mock.webhooks.deliveries("parcelvoy")
    assert delivery.payload == {"order": "A-1", "fixed": 3}
    assert parcelvoy_mock.events("ann")[-1] == "webhook_sent"


def test_values_longer_than_their_columns_are_not_stored(parcelvoy_mock: ParcelvoyMock) -> None:
    """MySQL in strict mode refuses them: a queued write is retried, then dropped; a write made
    during the request is the generic 400."""
    pv = parcelvoy_mock.client()
    pv.identify(external_id="long1", email="a" * 256 + "@example.com")
    pv.identify(external_id="x" * 256)
    pv.track("e" * 256, external_id="long2")
    parcelvoy_mock.drain()
    assert parcelvoy_mock.user("long1") is None and parcelvoy_mock.user("x" * 256) is None
    assert parcelvoy_mock.user("long2") is not None and parcelvoy_mock.events("long2") == [
        "user_created"]
    admin = parcelvoy_mock.client(key=parcelvoy_mock.admin_key)
    calls: list[Callable[[], object]] = [
        lambda: pv.create_campaign(type="blast", subscription_id=1, provider_id=1,
                                   name="n" * 256),
        lambda: admin.create_subscription("s" * 256, "email"),
        lambda: pv.create_template(type="text", campaign_id=44, locale="l" * 51)]
    for call in calls:
        with pytest.raises(InvalidRequest) as info:
            call()
        assert info.value.body == {"status": "error",
                                   "error": "An error occurred with this request."}


def test_json_nested_past_mysqls_depth_is_not_stored(parcelvoy_mock: ParcelvoyMock) -> None:
    """MySQL refuses a JSON document deeper than 100: the queued write is dropped, a write made
    during the request is the generic 400; what is stored can always be read back."""
    http = parcelvoy_mock.http
    head = {"Authorization": f"Bearer {parcelvoy_mock.secret_key}",
            "Content-Type": "application/json"}

    def nested(depth: int) -> str:
        return '{"a": ' * depth + "1" + "}" * depth
    for ext, depth in (("deep", 300), ("ok", 60)):
        r = http.post("/api/client/identify", headers=head,
                      content=f'{{"external_id": "{ext}", "data": {nested(depth)}}}'.encode())
        assert r.status_code == 204
    r = http.post("/api/client/events", headers=head,
                  content=f'[{{"name": "e", "external_id": "ok", "data": {nested(150)}}}]'.encode())
    parcelvoy_mock.drain()
    assert http.get("/api/client/users/deep", headers=head).status_code == 404
    assert http.get("/api/client/users/ok", headers=head).status_code == 200
    events = http.get("/api/client/users/ok/events", headers=head).json()["results"]
    assert [e["name"] for e in events] == ["user_created"]
    deep_template = f'{{"type": "text", "data": {{"text": "x", "n": {nested(120)}}}}}'
    r = http.patch("/api/client/templates/3", headers=head, content=deep_template.encode())
    assert r.status_code == 400
