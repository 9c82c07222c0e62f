"""The project routes (handlers/project.py) and the campaign recipients (handlers/campaigns.py,
`list_campaign_users`): routes the official UI and API clients call that the first round
lacked."""
from __future__ import annotations

import pytest

from mailmocks.clients.base import AuthError, InvalidRequest
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

GENERIC = {"status": "error", "error": "An error occurred with this request."}


def test_the_project_with_the_keys_role(parcelvoy_mock: ParcelvoyMock) -> None:
    support = parcelvoy_mock.client(key=parcelvoy_mock.support_key).get_project()
    assert (support["id"], support["name"], support["role"]) == (1, "Acme Sandbox", "support")
    assert support["has_provider"] is True and support["timezone"] == "America/Chicago"
    assert support["link_wrap_email"] is False and support["deleted_at"] is None
    assert parcelvoy_mock.client(key=parcelvoy_mock.admin_key).get_project()["role"] == "admin"
    with pytest.raises(AuthError) as info:  # a secret route
        parcelvoy_mock.client(key=parcelvoy_mock.public_key).get_project()
    assert info.value.body["code"] == 1007


def test_a_project_without_providers(parcelvoy_mock: ParcelvoyMock) -> None:
    world = parcelvoy_mock.world
    for pid in list(world.providers.ids("project", 1)):
        world.providers.delete(pid)
    assert parcelvoy_mock.client().get_project()["has_provider"] is False


def test_project_update_with_a_key(parcelvoy_mock: ParcelvoyMock) -> None:
    http, admin = parcelvoy_mock.http, {"Authorization": f"Bearer {parcelvoy_mock.admin_key}"}
    editor = {"Authorization": f"Bearer {parcelvoy_mock.secret_key}"}
    r = http.patch("/api/client", json={"name": "x"}, headers=editor)
    assert (r.status_code, r.json()["error"]) == (403, "Minimum project role admin is required")
    r = http.patch("/api/client", json={"name": 5}, headers=admin)
    assert (r.status_code, r.json()["error"]) == (422, "The value of `name` must be a string.")
    r = http.patch("/api/client", json={"name": "Renamed"}, headers=admin)
    assert (r.status_code, r.json()) == (400, GENERIC)  # no admin user behind a key
    assert parcelvoy_mock.client().get_project()["name"] == "Acme Sandbox"


def test_health_needs_no_key(parcelvoy_mock: ParcelvoyMock) -> None:
    r = parcelvoy_mock.http.get("/api/health")
    body = r.json()
    assert r.status_code == 200 and (body["status"], body["environment"]) == ("ok",
                                                                              "production")
    assert body["time"].endswith("Z")
    assert parcelvoy_mock.http.post("/api/health").status_code == 405


def test_campaign_users_show_each_send(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.trigger_campaign(44, {"external_id": "cu1", "email": "cu1@example.com"}, {})
    pv.trigger_campaign(44, {"external_id": "cu1", "email": "cu1@example.com"}, {})
    pv.trigger_campaign(44, {"external_id": "cu2"}, {})  # no email: the send fails
    assert pv.list_campaign_users(44)["results"] == []  # nothing before the queue runs
    parcelvoy_mock.drain()
    rows = pv.list_campaign_users(44)["results"]
    assert sorted((r["external_id"], r["state"]) for r in rows) == [
        ("cu1", "sent"), ("cu1", "sent"), ("cu2", "failed")]
    assert all(r["clicks"] == 0 and r["opened_at"] is None for r in rows)
    found = pv.list_campaign_users(44, q="CU1@example.com")["results"]
    assert {r["external_id"] for r in found} == {"cu1"}
    with pytest.raises(AuthError):  # campaigns need editor
        parcelvoy_mock.client(key=parcelvoy_mock.support_key).list_campaign_users(44)
    r = parcelvoy_mock.http.get("/api/client/campaigns/999/users",
                                headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert (r.status_code, r.text) == (404, "Not Found")
    with pytest.raises(InvalidRequest):
        pv.list_campaign_users(44, limit="-5")


def test_an_email_with_a_control_character(parcelvoy_mock: ParcelvoyMock) -> None:
    """Decision: the API takes it (no format check, MySQL keeps the NUL), the provider
    refuses the address, so the send fails with `email_failed`."""
    pv = parcelvoy_mock.client()
    pv.identify(external_id="nul", email="a\x00b@example.com")
    pv.trigger_campaign(44, {"external_id": "nul"}, {})
    parcelvoy_mock.drain()
    assert pv.get_user("nul")["email"] == "a\x00b@example.com"
    send = parcelvoy_mock.sends(44)[-1]
    assert send.state == "failed" and "address" in (send.error or "")
    assert "email_failed" in parcelvoy_mock.events("nul")
    assert not parcelvoy_mock.services.outbox.messages(api="parcelvoy", to="a\x00b@example.com")
