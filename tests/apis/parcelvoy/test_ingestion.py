"""Ingestion (handlers/ingestion.py): 204 at once, and the jobs apply the effects later.

identify (upsert, shallow data merge, auto-subscribe, user_created), alias (once), devices
(matching, retries for unknown users), events (creating unknown users, journeys), segment
(track, identify, alias; batches up to 1000): docs/vendors/parcelvoy.md §3.
"""
from __future__ import annotations

import pytest

from mailmocks.clients.base import InvalidRequest
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock


def test_identify_is_queued_then_upserts(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.public_key)
    assert pv.identify(external_id="u1", email="u1@example.com", locale="en",
                       data={"a": 1, "b": {"x": 1}}) is None
    assert parcelvoy_mock.user("u1") is None  # 204 comes before any work
    parcelvoy_mock.drain()
    pv.identify(external_id="u1", data={"b": {"y": 2}, "c": 3}, timezone="Europe/Paris")
    parcelvoy_mock.drain()
    user = parcelvoy_mock.client().get_user("u1")
    assert user["data"] == {"a": 1, "b": {"y": 2}, "c": 3}  # shallow merge
    assert (user["email"], user["locale"], user["timezone"]) == (
        "u1@example.com", "en", "Europe/Paris")
    assert parcelvoy_mock.events("u1") == ["user_created"]
    subs = parcelvoy_mock.client().list_user_subscriptions("u1")["results"]
    assert [(s["name"], s["state"]) for s in subs] == [("Default Email", 1)]


def test_identify_validation(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    with pytest.raises(InvalidRequest) as info:
        pv.identify(email="nobody@example.com")
    assert info.value.body == {"status": "error",
                               "error": "Must have required property 'anonymous_id'"}
    with pytest.raises(InvalidRequest) as info:
        pv.identify(external_id="x", timezone="Mars/Olympus")
    assert info.value.body["error"] == "The timezone value must be in the IANA format."
    r = parcelvoy_mock.http.post("/api/client/identify", json={"external_id": "x", "nope": 1},
                                 headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert r.json()["error"] == "Must NOT have additional properties"
    # presence is what counts: a null external_id passes and makes an anonymous user
    assert pv.identify(external_id=None, anonymous_id="anon-9") is None


def test_anonymous_user_then_alias(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.public_key)
    pv.identify(anonymous_id="anon-1", email="a@example.com")
    pv.alias("anon-1", "known-1")
    pv.identify(anonymous_id="anon-2")
    pv.alias("anon-2", "known-1")  # the external id is taken: nothing happens
    parcelvoy_mock.drain()
    user = parcelvoy_mock.client().get_user("known-1")
    assert user["anonymous_id"] == "anon-1"
    second = parcelvoy_mock.world.users.by("anonymous", (1, "anon-2"))
    assert second is not None and second.external_id is None
    pv.alias("nobody", "known-3")  # no such anonymous user: nothing happens
    parcelvoy_mock.drain()
    assert parcelvoy_mock.user("known-3") is None
    # the code (which wins over the docs' "only once") re-aliases to a free external id
    pv.alias("anon-1", "known-4")
    parcelvoy_mock.drain()
    realiased = parcelvoy_mock.user("known-4")
    assert realiased is not None and realiased.anonymous_id == "anon-1"


def test_devices_match_by_id_or_token_and_need_a_user(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.public_key)
    common = {"os": "Android", "model": "Pixel", "app_build": "1", "app_version": "1.0"}
    pv.register_device(external_id="ghost", device_id="d0", token="t0", **common)
    pv.register_device(external_id="bea", device_id="d1", token="t1", **common)
    pv.register_device(external_id="bea", device_id="d1", token="t2", os_version="14",
                       **common)  # same device_id: updated in place
    pv.register_device(external_id="bea", device_id="d9", token="t2", **common)  # same token
    pv.register_device(external_id="bea", device_id="d3", **common)  # new, no token
    parcelvoy_mock.drain()
    devices = parcelvoy_mock.client().get_user("bea")["devices"]
    assert [(d["device_id"], d["token"]) for d in devices] == [("d9", "t2"), ("d3", None)]
    assert parcelvoy_mock.user("ghost") is None  # retried, then dropped
    retries = [j for j in parcelvoy_mock.jobs.finished()
               if j.name == "parcelvoy:user_register_device"]
    assert len(retries) == 3 + 4  # ghost: 3 attempts; bea: one each
    subs = parcelvoy_mock.client().list_user_subscriptions("bea")["results"]
    assert {s["channel"] for s in subs} == {"email", "push"}  # first device had a token


def test_events_create_unknown_users_and_enter_journeys(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.public_key)
    pv.post_events([
        {"name": "signed_up", "external_id": "new-1", "data": {"plan": "free"},
         "user": {"email": "new1@example.com", "data": {"first_name": "Neo"}}},
        {"name": "viewed", "anonymous_id": "anon-7", "created_at": "ignored"},
    ])
    parcelvoy_mock.drain()
    client = parcelvoy_mock.client()
    events = client.list_user_events("new-1")["results"]
    assert [e["name"] for e in events] == ["user_created", "signed_up"]  # newest first
    assert events[1]["data"] == {"plan": "free"}
    assert client.get_user("new-1")["email"] == "new1@example.com"
    user = parcelvoy_mock.user("new-1")
    assert user is not None
    [entrance] = [e for e in parcelvoy_mock.world.entrances if e.user_id == user.id]
    assert (entrance.journey_id, entrance.step_id, entrance.ended_at is not None) == (1, 1, True)
    anon = parcelvoy_mock.world.users.by("anonymous", (1, "anon-7"))
    assert anon is not None and anon.external_id is None


def test_events_validation(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    for body, message in (([], "Must NOT have fewer than 1 items"),
                          ([{}], "Must have required property 'name'"),
                          ([{"name": "x"}], "Must have required property 'anonymous_id'"),
                          ([{"name": 1, "external_id": "a"}],
                           "The value of `0/name` must be a string."),
                          ([{"name": "x", "external_id": "a", "data": []}],
                           "The value of `0/data` must be a object.")):
        with pytest.raises(InvalidRequest) as info:
            pv.post_events(body)
        assert info.value.body == {"status": "error", "error": message}


def test_segment_batch(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.public_key)
    assert pv.segment([
        {"type": "identify", "userId": "seg-1", "traits": {"email": "s@example.com",
                                                          "name": "Sam"},
         "context": {"timezone": "America/New_York", "locale": "en-"}},
        {"type": "track", "userId": "seg-1", "event": "Order Completed",
         "properties": {"total": 10}, "context": {"ip": "127.0.0.1"}},
        {"type": "page", "userId": "seg-1"},  # other types are ignored
        {"type": "identify", "anonymousId": "seg-anon", "context": {}},
        {"type": "alias", "anonymousId": "seg-anon", "previousId": "seg-anon",
         "userId": "seg-2"},
    ]) is None
    parcelvoy_mock.drain()
    client = parcelvoy_mock.client()
    user = client.get_user("seg-1")
    assert (user["email"], user["timezone"], user["locale"]) == (
        "s@example.com", "America/New_York", "en")
    assert user["data"] == {"email": "s@example.com", "name": "Sam"}
    [order] = [e for e in client.list_user_events("seg-1")["results"]
               if e["name"] == "Order Completed"]
    assert order["data"] == {"total": 10, "ip": "127.0.0.1"}
    assert client.get_user("seg-2")["anonymous_id"] == "seg-anon"


def test_segment_limits_and_the_identify_without_context_quirk(
        parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    item = {"type": "track", "userId": "a", "event": "e"}
    with pytest.raises(InvalidRequest) as info:
        pv.segment([item] * 1001)
    assert info.value.body["error"] == "Must NOT have more than 1000 items"
    assert pv.segment([item] * 1000) is None
    with pytest.raises(InvalidRequest) as info:
        pv.segment([{"type": "identify", "userId": "b"}])
    assert (info.value.status, info.value.body) == (
        400, {"status": "error", "error": "An error occurred with this request."})
    with pytest.raises(InvalidRequest) as info:
        pv.segment([{"type": "track"}])
    assert info.value.body["error"] == "Must have required property 'anonymousId'"


def test_user_patch_as_user_patch_job_writes_it(parcelvoy_mock: ParcelvoyMock) -> None:
    """UserPatchJob and User.formatJson/toJSON (users/UserPatchJob.ts, users/User.ts)."""
    pv = parcelvoy_mock.client()
    pv.identify(external_id="ph1", phone="+12345678900", data={"plan": "pro"})
    parcelvoy_mock.drain()
    user = pv.get_user("ph1")
    assert user["phone"] == "+1 234 567 8900"  # formatInternational()
    assert user["data"] == {"plan": "pro", "phone_country": "US", "phone_is_valid": True}
    pv.identify(external_id="ph1", phone="+15555550101")  # a phone and no data
    parcelvoy_mock.drain()
    assert pv.get_user("ph1")["data"] == {"phone_is_valid": False}  # the data is replaced
    pv.identify(external_id="ph1", phone="555-0101")  # no country code: not parsed
    parcelvoy_mock.drain()
    assert pv.get_user("ph1")["phone"] == "555-0101"
    created = next(e for e in pv.list_user_events("ph1")["results"] if e["name"] == "user_created")
    assert created["data"] == {"plan": "pro", "phone": "+12345678900", "external_id": "ph1"}


def test_an_update_found_by_anonymous_id_keeps_no_external_id(
        parcelvoy_mock: ParcelvoyMock) -> None:
    """The update writes the fields, never `external_id` (an alias does that)."""
    pv = parcelvoy_mock.client()
    pv.identify(anonymous_id="anon-77", email="a77@example.com")
    parcelvoy_mock.drain()
    pv.identify(anonymous_id="anon-77", external_id="known-77", locale="fr")
    parcelvoy_mock.drain()
    users = [u for u in pv.list_users(limit=100)["results"] if u["anonymous_id"] == "anon-77"]
    assert [(u["external_id"], u["locale"]) for u in users] == [(None, "fr")]


def test_a_bulk_patch_with_an_unknown_column_stores_nothing(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.patch_users([{"external_id": "col-1", "nickname": "x"}])  # 204: the schema allows it
    parcelvoy_mock.drain()
    assert parcelvoy_mock.user("col-1") is None


def test_big_integers_are_read_as_javascript_doubles(parcelvoy_mock: ParcelvoyMock) -> None:
    r = parcelvoy_mock.http.post(
        "/api/client/identify",
        content=b'{"external_id": "big", "data": {"n": 18446744073709551615,'
                b' "m": 9007199254740993, "k": 42}}',
        headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}",
                 "Content-Type": "application/json"})
    assert r.status_code == 204
    parcelvoy_mock.drain()
    data = parcelvoy_mock.client().get_user("big")["data"]
    assert (data["n"], data["m"], data["k"]) == (2.0**64, 9007199254740992.0, 42)


def test_segment_context_values_as_the_columns_keep_them(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.segment([{"type": "identify", "userId": "sg-1", "context": {"timezone": 5,
                                                                   "locale": "pt-BR-"}}])
    parcelvoy_mock.drain()
    user = pv.get_user("sg-1")
    assert (user["timezone"], user["locale"]) == ("5", "pt-BR")  # one trailing '-' goes
    with pytest.raises(InvalidRequest) as info:  # parseLocale(5): `.slice` of a number
        pv.segment([{"type": "identify", "userId": "sg-2", "context": {"locale": 5}}])
    assert info.value.status == 400
