"""Users (handlers/users.py): cursor pages, search and reads by external id, subscription
states, and the bulk patch and delete that queue one job per user.
"""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.clients.base import AuthError, InvalidRequest, NotFound
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

GENERIC = {"status": "error", "error": "An error occurred with this request."}


def test_cursor_pages(parcelvoy_mock: ParcelvoyMock) -> None:
    """Model.search: `nextCursor` is the last row when more follow, `prevCursor` the cursor
    that was sent; `page=prev` reads from the top down to the cursor (inclusive)."""
    pv = parcelvoy_mock.client()
    first = pv.list_users(limit=10)  # the users route sorts by id, newest first
    assert (len(first["results"]), first["limit"]) == (10, 10)
    assert "prevCursor" not in first and first["nextCursor"] == str(first["results"][-1]["id"])
    second = pv.list_users(limit=10, cursor=first["nextCursor"])
    assert second["results"][0]["id"] < first["results"][-1]["id"]
    assert second["prevCursor"] == first["nextCursor"]
    back = pv.list_users(limit=10, cursor=second["prevCursor"], page="prev")
    assert back["results"] == first["results"] and "prevCursor" not in back
    assert back["nextCursor"] == second["prevCursor"]
    everyone = list(pv.iterate(pv.list_users, limit=7))
    assert len(everyone) == 33 == len({u["id"] for u in everyone})
    assert pv.list_users(limit=100)["results"][-1]["external_id"] == "ann"  # id desc
    assert pv.list_users(limit=-1) == {"results": [], "limit": -1}  # `limit + 1` rows: none
    by_name = pv.list_users(sort="external_id", direction="asc", limit=2)
    assert by_name["nextCursor"] == f"{by_name['results'][1]['id']},bea"
    after = pv.list_users(sort="external_id", direction="asc", limit=2,
                          cursor=by_name["nextCursor"])
    assert after["results"][0]["external_id"] > "bea"


@pytest.mark.parametrize(("query", "limit"), [
    ({"limit": "ten"}, 25), ({"limit": "7up"}, 7), ({"limit": " 3"}, 3), ({"limit": ""}, 25),
    ({"limit": ["2", "9"]}, 2),  # a scalar takes the first of repeated keys
])
def test_limit_is_read_with_parse_int(parcelvoy_mock: ParcelvoyMock, query: dict[str, Any],
                                      limit: int) -> None:
    page = parcelvoy_mock.client().list_users(**query)
    assert page["limit"] == limit and len(page["results"]) == limit


@pytest.mark.parametrize(("query", "status", "error"), [
    ({"limit": "-2"}, 422, "Must be >= -1"),
    ({"page": "sideways"}, 422, "Must be equal to one of the allowed values"),
    ({"direction": "up"}, 422, "Must be equal to one of the allowed values"),
    ({"filter": "[1]"}, 422, "The value of `filter` must be a object."),
    ({"filter": "{nope"}, 400, GENERIC["error"]),  # JSON.parse throws
    ({"id": ["0"]}, 422, "Must be >= 1"),
    ({"id": ["1", "x"]}, 422, "The value of `id/1` must be a integer."),
    ({"sort": "nope"}, 400, GENERIC["error"]),  # an unknown column fails in the database
])
def test_bad_list_queries(parcelvoy_mock: ParcelvoyMock, query: dict[str, Any], status: int,
                          error: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parcelvoy_mock.client().list_users(**query)
    assert (info.value.status, info.value.body) == (status, {"status": "error", "error": error})


def test_id_and_q_filters(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    ann = pv.get_user("ann")
    assert [u["id"] for u in pv.list_users(id=[str(ann["id"]), "999999"])["results"]] == [
        ann["id"]]
    # `q` is LIKE without wildcards added (mode exact), case-insensitive
    assert [u["external_id"] for u in pv.list_users(q="ANN@EXAMPLE.COM")["results"]] == ["ann"]
    assert [u["external_id"] for u in pv.list_users(q="ann@example.co_")["results"]] == ["ann"]
    assert pv.list_users(q="ann")["results"][0]["external_id"] == "ann"


def test_user_search_and_reads(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client(key=parcelvoy_mock.support_key)  # reads need no role
    assert [u["external_id"] for u in pv.list_users(q="ann@example.com")["results"]] == ["ann"]
    assert [u["external_id"] for u in pv.list_users(q="+12345678900")["results"]] == ["ann"]
    assert pv.list_users(q="ann@other.test")["results"] == []  # another project's user
    ann = pv.get_user("ann")
    assert (ann["first_name"], ann["last_name"], ann["full_name"]) == ("Ann", "Lee", "Ann Lee")
    assert ann["devices"][0]["token"] == "ann-apns-token"
    subs = pv.list_user_subscriptions("ann")["results"]
    assert sorted((s["channel"], s["state"]) for s in subs) == [
        ("email", 1), ("push", 1), ("text", 1)]
    assert pv.list_user_events("ann") == {"results": [], "limit": 25}
    with pytest.raises(NotFound):
        pv.get_user("nobody")
    with pytest.raises(AuthError):
        pv.delete_user("ann")  # editor needed


def test_user_subscription_changes(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    changes: list[Any] = [
        {"subscription_id": 1, "state": 0}, {"subscription_id": 3, "state": 2},
        {"subscription_id": 999, "state": 0}, {"subscription_id": 5, "state": 0},
        {"subscription_id": 2, "state": 7}, "junk"]  # unknown or invalid: skipped
    pv.update_user_subscriptions("bea", changes)
    states = {s["subscription_id"]: s["state"]
              for s in pv.list_user_subscriptions("bea")["results"]}
    assert states == {1: 0, 3: 2}
    events = pv.list_user_events("bea")["results"]
    assert [e["name"] for e in events] == ["unsubscribed"]  # 1 -> 2 is no change of kind
    assert events[0]["data"]["subscription_id"] == 1
    r = parcelvoy_mock.http.patch("/api/client/users/bea/subscriptions",
                                  json={"subscription_id": 1},
                                  headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert (r.status_code, r.json()) == (400, GENERIC)  # iterating an object throws


def test_bulk_patch_and_delete_users(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    assert pv.patch_users([{"external_id": "ann", "data": {"plan": "team"}},
                           {"external_id": "p-new", "phone": "+15550001111"}]) is None
    parcelvoy_mock.drain()
    assert pv.get_user("ann")["data"]["plan"] == "team"
    assert pv.get_user("p-new")["phone"] == "+1 555 000 1111"  # formatInternational()
    assert pv.delete_users(["ann", "p-new", "nobody"]) is None
    assert pv.get_user("ann")["external_id"] == "ann"  # queued
    parcelvoy_mock.drain()
    assert parcelvoy_mock.user("ann") is None and parcelvoy_mock.user("p-new") is None
    assert not [e for e in parcelvoy_mock.world.user_subscriptions
                if parcelvoy_mock.world.users.get(e.user_id) is None]  # cascaded
    with pytest.raises(InvalidRequest) as info:
        pv.delete_users([])
    assert info.value.body["error"] == "Must NOT have fewer than 1 items"
    assert pv.delete_user("bea") is None
    parcelvoy_mock.drain()
    assert parcelvoy_mock.user("bea") is None


def test_subscription_changes_as_toggle_subscription_reads_them(
        parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()

    def states() -> dict[int, int]:
        return {s["subscription_id"]: s["state"] for s in
                pv.list_user_subscriptions("ann")["results"]}
    pv.update_user_subscriptions("ann", [{"subscription_id": "1"}])  # no state: unsubscribed
    assert states()[1] == 0
    odd: list[Any] = [{"subscription_id": 1, "state": 2}, 5, "x"]  # non-objects: skipped
    pv.update_user_subscriptions("ann", odd)
    assert states()[1] == 2
    r = parcelvoy_mock.http.patch("/api/client/users/ann/subscriptions", json=[None],
                                  headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert (r.status_code, r.json()) == (400, GENERIC)  # `null.subscription_id`
    r = parcelvoy_mock.http.patch("/api/client/users/ann/subscriptions", content=b"12",
                                  headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}",
                                           "Content-Type": "text/plain"})
    assert r.status_code == 200 and states()[1] == 2  # a string's characters name nothing


@pytest.mark.parametrize(("item", "ok"), [
    ({"external_id": "x1"}, True),
    ({"anonymous_id": "a1", "external_id": None}, True),
    ({"external_id": None}, False),  # each branch wants its identity as a string
    ({"anonymous_id": None, "external_id": None}, False),
    ({"external_id": "x2", "extra": 1}, True),  # extra keys pass
])
def test_bulk_patch_identity(parcelvoy_mock: ParcelvoyMock, item: dict[str, Any],
                             ok: bool) -> None:
    pv = parcelvoy_mock.client()
    if ok:
        pv.patch_users([item])
    else:
        with pytest.raises(InvalidRequest) as info:
            pv.patch_users([item])
        assert info.value.status == 422


def test_delete_users_with_an_empty_id(parcelvoy_mock: ParcelvoyMock) -> None:
    r = parcelvoy_mock.http.delete("/api/client/users?user_id=",
                                   headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}"})
    assert (r.status_code, r.json()["error"]) == (422, "Must NOT have fewer than 1 items")


def test_a_text_body_on_the_subscription_route(parcelvoy_mock: ParcelvoyMock) -> None:
    r = parcelvoy_mock.http.patch("/api/client/users/ann/subscriptions", content=b"not json",
                                  headers={"Authorization": f"Bearer {parcelvoy_mock.secret_key}",
                                           "Content-Type": "text/plain"})
    assert (r.status_code, r.json()["external_id"]) == (200, "ann")


@pytest.mark.parametrize(("data", "names"), [
    ({"first_name": "Ann", "last_name": "Lee"},
     {"first_name": "Ann", "last_name": "Lee", "full_name": "Ann Lee"}),
    ({"first_name": "", "name": "Bo"}, {"first_name": "", "full_name": None}),  # `??`, not `||`
    ({"firstName": 7}, {"first_name": 7, "full_name": "7"}),  # as stored
    ({"fullName": "Dr. X", "first_name": "Y"}, {"first_name": "Y", "full_name": "Dr. X"}),
    ({}, {"full_name": None}),  # no first_name or last_name key at all
])
def test_virtual_names_as_user_ts_computes_them(parcelvoy_mock: ParcelvoyMock,
                                                data: dict[str, Any],
                                                names: dict[str, Any]) -> None:
    pv = parcelvoy_mock.client()
    pv.identify(external_id="names", data=data)
    parcelvoy_mock.drain()
    user = pv.get_user("names")
    assert {k: user[k] for k in ("first_name", "last_name", "full_name") if k in user} == names


@pytest.mark.parametrize(("sort", "ok"), [
    ("email", True), ("users.id", True), ("data", True),
    ("first_name", False),  # a getter of the model, no column
    ("users.nope", False),
])
def test_sort_names_a_column(parcelvoy_mock: ParcelvoyMock, sort: str, ok: bool) -> None:
    pv = parcelvoy_mock.client()
    if ok:
        assert pv.list_users(sort=sort, limit=3)["results"]
    else:
        with pytest.raises(InvalidRequest) as info:
            pv.list_users(sort=sort)
        assert info.value.body == GENERIC


@pytest.mark.parametrize(("query", "status", "error"), [
    ({"limit": "9" * 400}, 422, "The value of `limit` must be a integer."),  # Infinity
    ({"limit": "9" * 30}, 200, None),  # a double: 1e30 rows at most (LIMIT "1e+30" is 1)
    ({"limit": "18446744073709551615"}, 400, GENERIC["error"]),  # past MySQL's LIMIT
    ({"id": ["9" * 400]}, 422, "The value of `id/0` must be a integer."),
])
def test_huge_numbers_in_a_list_query(parcelvoy_mock: ParcelvoyMock, query: dict[str, Any],
                                      status: int, error: str | None) -> None:
    pv = parcelvoy_mock.client()
    if status == 200:
        assert len(pv.list_users(**query)["results"]) == 1
        return
    with pytest.raises(InvalidRequest) as info:
        pv.list_users(**query)
    assert (info.value.status, info.value.body["error"]) == (status, error)
