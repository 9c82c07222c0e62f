from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailmocks.core.store import Conflict, Table, paginate


@dataclass
class Row:
    id: int
    email: str
    state: str


def make(n: int = 120) -> Table[Row]:
    table: Table[Row] = Table(unique={"email": lambda r: r.email.lower()},
                              groups={"state": lambda r: r.state})
    for _ in range(n):
        rid = table.next_id()
        table.put(rid, Row(rid, f"User{rid}@X.test", "cancelled" if rid % 10 == 0 else "active"))
    return table


def test_unique_index_and_conflict_leave_state_unchanged() -> None:
    table = make(3)
    assert table.by("email", "user2@x.test").id == 2  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        table.put(3, Row(3, "USER2@x.test", "active"))
    assert table.get(3).email == "User3@X.test"  # type: ignore[union-attr]
    assert table.by("email", "user3@x.test").id == 3  # type: ignore[union-attr]


def test_pages_follow_id_order_and_groups() -> None:
    table = make()
    page = table.page(2, 50, group="state", keys=["active"])
    assert page.total == 108 and page.total_pages == 3
    assert [r.id for r in page.items][:3] == [56, 57, 58]
    last = table.page(1, 5, group="state", keys=["active"], descending=True)
    assert [r.id for r in last.items] == [119, 118, 117, 116, 115]
    assert table.page(99, 50).items == [] and table.page(99, 50).total == 120


def test_regrouping_keeps_id_order() -> None:
    table = make(20)
    row = table.get(10)
    assert row is not None
    row.state = "active"
    table.put(10, row)  # moved from cancelled back to active: still in id order
    ids = [r.id for r in table.page(1, 50, group="state", keys=["active"]).items]
    assert ids == sorted(ids) and 10 in ids and table.count("state", "cancelled") == 1


def test_delete_unindexes() -> None:
    table = make(5)
    table.delete(2)
    assert table.by("email", "user2@x.test") is None
    assert 2 not in table and len(table) == 4


def test_paginate_list_and_empty_totals() -> None:
    page = paginate(list(range(7)), 2, 5)
    assert page.items == [5, 6] and page.total_pages == 2
    assert paginate([], 1, 50).total_pages == 0


def test_a_log_like_table_keeps_only_its_newest_rows() -> None:
    log: Table[dict[str, int]] = Table(groups={"user": lambda r: r["user"]}, maxlen=3)
    for i in range(1, 6):
        log.put(log.next_id(), {"id": i, "user": i % 2})
    assert [r["id"] for r in log] == [3, 4, 5]
    assert list(log.ids("user", 1)) == [3, 5] and log.count("user", 0) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["put", "delete"]), st.integers(1, 40),
                          st.sampled_from(["a", "b", "c"])), max_size=60),
       st.integers(1, 5), st.integers(1, 7), st.booleans())
def test_pages_match_a_sorted_scan_whatever_the_history(
        history: list[tuple[str, int, str]], page: int, per_page: int, descending: bool) -> None:
    table: Table[Row] = Table(unique={"email": lambda r: r.email},
                              groups={"state": lambda r: r.state})
    for action, rid, state in history:
        if action == "put":
            table.put(rid, Row(rid, f"n{rid}", state))
        else:
            table.delete(rid)
    for group, keys in ((None, ()), ("state", ("a",)), ("state", ("a", "b"))):
        rows = sorted((r for r in table if group is None or r.state in keys),
                      key=lambda r: r.id, reverse=descending)
        got = table.page(page, per_page, group=group, keys=keys, descending=descending)
        start = (page - 1) * per_page
        assert [r.id for r in got.items] == [r.id for r in rows[start:start + per_page]]
        assert got.total == len(rows)


def _shape(built: list[int]) -> Callable[[Row], dict[str, object]]:
    def build(r: Row) -> dict[str, object]:
        built.append(r.id)
        return {"id": r.id, "email": r.email}
    return build


def test_shown_reuses_a_shape_until_its_row_is_put_or_deleted() -> None:
    table, built = make(5), list[int]()
    rows = [table.get(i) for i in (1, 2, 3)]
    first = table.shown(rows, "ctx", _shape(built), lambda r: r.id)  # type: ignore[arg-type]
    again = table.shown(rows, "ctx", _shape(built), lambda r: r.id)  # type: ignore[arg-type]
    assert built == [1, 2, 3] and [a is b for a, b in zip(first, again, strict=True)] == [True] * 3
    row = table.get(2)
    assert row is not None
    row.email = "new@x.test"
    table.put(2, row)
    table.delete(3)
    table.put(3, Row(3, "back@x.test", "active"))
    shapes = table.shown([table.get(i) for i in (1, 2, 3)], "ctx", _shape(built),  # type: ignore[misc]
                         lambda r: r.id)
    assert built == [1, 2, 3, 2, 3]
    assert [s["email"] for s in shapes] == ["User1@X.test", "new@x.test", "back@x.test"]


def test_shown_rebuilds_when_the_context_changes_and_stays_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import mailmocks.core.store as store

    monkeypatch.setattr(store, "SHOWN_MAX", 4)
    table, built = make(10), list[int]()
    rows = [r for r in table]
    table.shown(rows[:2], ("a",), _shape(built), lambda r: r.id)
    table.shown(rows[:2], ("a", "b"), _shape(built), lambda r: r.id)
    assert built == [1, 2, 1, 2]
    table.shown(rows, ("a", "b"), _shape(built), lambda r: r.id)
    assert len(table._shown) <= 4


def test_a_snapshot_of_a_table_keeps_rows_not_shapes() -> None:
    table, built = make(3), list[int]()
    table.shown(list(table), "ctx", _shape(built), lambda r: r.id)
    state = table.__getstate__()  # what the snapshot codec pickles
    assert state["_shown"] == {} and table._shown
    del state["_shown"]  # a snapshot written before `shown` existed
    old: Table[Row] = Table.__new__(Table)
    old.__setstate__(state)
    assert old.by("email", "user2@x.test") is not None
    assert old.shown([r for r in old], "ctx", _shape(built), lambda r: r.id)[0]["id"] == 1
