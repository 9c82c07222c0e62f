"""ConvertKit automation hooks, the rules (§11, D-2, D-4, assumption E); their deliveries are
in test_jobs.py. References (§n, D-n, assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

from typing import Any

import pytest
from support import raises

from mailmocks.clients.base import NotFound
from mailmocks.clients.convertkit import ConvertKit
from mailmocks.testing.convertkit import Mock as ConvertKitMock

NOT_FOUND = {"error": "Not Found", "message": "The entity you were trying to find doesn't exist"}
NO_PERMISSION = {"error": "Authorization Failed",
                 "message": "You do not have sufficient permissions to access this resource"}


EVENTS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"name": "subscriber.subscriber_activate"}, {"name": "subscriber_activate"}),
    ({"name": "subscriber.subscriber_unsubscribe"}, {"name": "subscriber_unsubscribe"}),
    ({"name": "subscriber.form_subscribe", "form_id": 3001},
     {"name": "form_subscribe", "form_id": 3001}),
    ({"name": "subscriber.course_subscribe", "course_id": 4001},
     {"name": "course_subscribe", "course_id": 4001}),
    ({"name": "subscriber.course_subscribe", "sequence_id": 4002},
     {"name": "course_subscribe", "sequence_id": 4002}),
    ({"name": "subscriber.course_complete", "sequence_id": 4003},
     {"name": "course_complete", "sequence_id": 4003}),
    ({"name": "subscriber.link_click", "initiator_value": "https://acme.test/x"},
     {"name": "link_click", "initiator_value": "https://acme.test/x"}),
    ({"name": "subscriber.product_purchase", "product_id": 11},
     {"name": "product_purchase", "product_id": 11}),
    ({"name": "subscriber.tag_add", "tag_id": 1}, {"name": "tag_add", "tag_id": 1}),
    ({"name": "subscriber.tag_remove", "tag_id": 1}, {"name": "tag_remove", "tag_id": 1}),
    ({"name": "purchase.purchase_create"}, {"name": "purchase_create"}),
]


def test_create_list_and_delete_every_kind_of_rule(convertkit_mock: ConvertKitMock,
                                                   ck: ConvertKit) -> None:
    made = []
    for n, (event, echo) in enumerate(EVENTS, 1):
        rule = ck.create_webhook(f"http://example.com/hook/{n}", event)
        assert convertkit_mock.last_status == 200  # D-2
        assert rule == {"rule": {"id": n, "account_id": 1001, "event": echo,
                                 "target_url": f"http://example.com/hook/{n}"}}
        made.append(rule["rule"])
    listed = ck.list_webhooks()
    assert listed == [{"rule": {**r, "status": "enabled",
                                "event": {"initiator_value": None, **r["event"]}}}
                      for r in made]
    assert ck.delete_webhook(3) == {"success": True}
    assert [r["rule"]["id"] for r in ck.list_webhooks()] == [
        n for n in range(1, len(EVENTS) + 1) if n != 3]
    err = raises(NotFound, ck.delete_webhook, 3)
    assert (err.status, err.body) == (404, NOT_FOUND)


def test_delete_rule_with_secret_in_json_body(convertkit_mock: ConvertKitMock,
                                              ck: ConvertKit) -> None:
    rid = ck.create_webhook("http://example.com/h", EVENTS[0][0])["rule"]["id"]
    r = convertkit_mock.http.request("DELETE", f"/v3/automations/hooks/{rid}",
                                     json={"api_secret": convertkit_mock.api_secret})
    assert (r.status_code, r.json()) == (200, {"success": True})
    assert ck.list_webhooks() == []


@pytest.mark.parametrize("body,word", [
    ({"target_url": "http://example.com/h"}, "event"),
    ({"event": {"name": "subscriber.subscriber_activate"}}, "target_url"),
    ({"target_url": "not a url", "event": {"name": "subscriber.subscriber_activate"}},
     "target_url"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.bounce"}}, "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber_activate"}}, "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.form_subscribe"}},
     "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.course_complete"}},
     "event"),
    ({"target_url": "http://example.com/h",
      "event": {"name": "subscriber.tag_add", "tag_id": "one"}}, "event"),
    ({"target_url": "http://example.com/h", "event": {"name": "subscriber.link_click"}},
     "event"),
    ({"target_url": "http://example.com/h", "event": "subscriber.subscriber_activate"},
     "event")])
def test_create_rule_bad_input_is_422(convertkit_mock: ConvertKitMock, ck: ConvertKit,
                                      body: dict[str, Any], word: str) -> None:
    r = convertkit_mock.http.post("/v3/automations/hooks",
                                  json={"api_secret": convertkit_mock.api_secret, **body})
    assert r.status_code == 422
    assert r.json()["error"] == "Unprocessable Entity" and word in r.json()["message"]
    assert ck.list_webhooks() == []


def test_rules_need_the_secret(convertkit_mock: ConvertKitMock, ck: ConvertKit) -> None:
    r = convertkit_mock.http.post("/v3/automations/hooks", json={
        "api_key": convertkit_mock.api_key, "target_url": "http://example.com/h",
        "event": {"name": "subscriber.subscriber_activate"}})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    r = convertkit_mock.http.get("/v3/automations/hooks",
                                 params={"api_key": convertkit_mock.api_key})
    assert (r.status_code, r.json()) == (401, NO_PERMISSION)
    assert ck.list_webhooks() == []
