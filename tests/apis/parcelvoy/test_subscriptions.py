"""Subscriptions (handlers/subscriptions.py): reads with any role, writes with admin."""
from __future__ import annotations

import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, NotFound
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock


def test_subscription_crud(parcelvoy_mock: ParcelvoyMock) -> None:
    admin = parcelvoy_mock.client(key=parcelvoy_mock.admin_key)
    names = [s["name"] for s in admin.list_subscriptions(direction="asc")["results"]]
    assert names == ["Default Email", "Default SMS", "Default Push", "Default Webhook"]
    created = admin.create_subscription("Newsletter", "email")
    assert admin.get_subscription(created["id"])["channel"] == "email"
    assert admin.update_subscription(created["id"], "Weekly")["name"] == "Weekly"
    assert [s["name"] for s in admin.list_subscriptions(q="week")["results"]] == ["Weekly"]
    with pytest.raises(InvalidRequest) as info:
        admin.create_subscription("Bad", "fax")
    assert info.value.status == 422
    with pytest.raises(NotFound):
        admin.get_subscription(5)  # another project's
    with pytest.raises(AuthError) as denied:
        parcelvoy_mock.client().create_subscription("Nope", "email")
    assert denied.value.body["error"] == "Minimum project role admin is required"
