"""In-memory tables with the indexes vendors need, and O(offset + page) pagination.

A `Table` keeps records in id order, a unique index per lookup key (email -> subscriber,
slug -> post) and group indexes (state -> ids) that stay id-ordered, so a page is a
slice of an ordered dict, never a scan and sort of everything.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
KeyFn = Callable[[Any], Hashable]


class Conflict(KeyError):
    """A unique index already holds this key."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0


class _Group:
    """Ids of one group value, kept in ascending id order."""

    __slots__ = ("ids", "_sorted")

    def __init__(self) -> None:
        self.ids: dict[int, None] = {}
        self._sorted = True

    def add(self, rid: int) -> None:
        if self.ids and self._sorted and rid < next(reversed(self.ids)):
            self._sorted = False
        self.ids[rid] = None

    def ordered(self) -> dict[int, None]:
        if not self._sorted:  # re-sorted only after an out-of-order insert
            self.ids = dict.fromkeys(sorted(self.ids))
            self._sorted = True
        return self.ids


class Table(Generic[T]):
    def __init__(self, *, unique: dict[str, KeyFn] | None = None,
                 groups: dict[str, KeyFn] | None = None, start_id: int = 1,
                 maxlen: int | None = None) -> None:
        self.maxlen = maxlen  # a log-like table keeps only its newest rows
        self._rows: dict[int, T] = {}
        self._ids = itertools.count(start_id)
        self._unique_fns = dict(unique or {})
        self._group_fns = dict(groups or {})
        self._unique: dict[str, dict[Hashable, int]] = {k: {} for k in self._unique_fns}
        self._groups: dict[str, dict[Hashable, _Group]] = {k: {} for k in self._group_fns}
        self._keys: dict[int, dict[str, Hashable]] = {}

    def next_id(self) -> int:
        return next(self._ids)

    def bump_ids(self, above: int) -> None:
        """Make sure new ids start above `above` (after loading fixtures with fixed ids)."""
        peek = next(self._ids)
        self._ids = itertools.count(max(peek, above + 1))

    # -- writing -----------------------------------------------------------------------
    def put(self, rid: int, row: T) -> T:
        """Insert or re-index `row` under `rid`; raises Conflict on a taken unique key."""
        new_keys = {name: fn(row) for name, fn in self._unique_fns.items()}
        for name, key in new_keys.items():
            holder = self._unique[name].get(key)
            if key is not None and holder is not None and holder != rid:
                raise Conflict(f"{name} {key!r} is taken")
        self._unindex(rid)
        self._rows[rid] = row
        keys: dict[str, Hashable] = {}
        for name, key in new_keys.items():
            if key is not None:
                self._unique[name][key] = rid
            keys["u:" + name] = key
        for name, fn in self._group_fns.items():
            gkey = fn(row)
            self._groups[name].setdefault(gkey, _Group()).add(rid)
            keys["g:" + name] = gkey
        self._keys[rid] = keys
        if self.maxlen is not None and len(self._rows) > self.maxlen:
            self.delete(next(iter(self._rows)))  # the oldest row goes
        return row

    def delete(self, rid: int) -> T | None:
        self._unindex(rid)
        return self._rows.pop(rid, None)

    def _unindex(self, rid: int) -> None:
        keys = self._keys.pop(rid, None)
        if not keys:
            return
        for tagged, key in keys.items():
            kind, name = tagged.split(":", 1)
            if kind == "u":
                if self._unique[name].get(key) == rid:
                    del self._unique[name][key]
            else:
                group = self._groups[name].get(key)
                if group is not None:
                    group.ids.pop(rid, None)

    # -- reading -----------------------------------------------------------------------
    def get(self, rid: int) -> T | None:
        return self._rows.get(rid)

    def by(self, index: str, key: Hashable) -> T | None:
        rid = self._unique[index].get(key)
        return None if rid is None else self._rows[rid]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[T]:
        return iter(self._rows.values())

    def __contains__(self, rid: object) -> bool:
        return rid in self._rows

    def count(self, group: str, *keys: Hashable) -> int:
        return sum(len(self._groups[group][k].ids) for k in keys if k in self._groups[group])

    def ids(self, group: str | None = None, *keys: Hashable) -> Iterable[int]:
        """Ids in ascending order: all of them, or those in any of the group's `keys`."""
        if group is None:
            return self._rows.keys()
        parts = [self._groups[group][k].ordered() for k in keys if k in self._groups[group]]
        if len(parts) == 1:
            return parts[0].keys()
        return sorted(itertools.chain.from_iterable(parts))

    def page(self, page: int, per_page: int, *, group: str | None = None,
             keys: Iterable[Hashable] = (), descending: bool = False) -> Page[T]:
        keys = tuple(keys)
        ids = self.ids(group, *keys)
        total = len(ids) if hasattr(ids, "__len__") else sum(1 for _ in ids)  # type: ignore[arg-type]
        start = (max(page, 1) - 1) * per_page
        if start >= total:  # past the end (also keeps islice away from huge page numbers)
            return Page([], total, page, per_page)
        ordered: Iterable[int] = reversed(ids) if descending else ids  # type: ignore[call-overload]
        chosen = itertools.islice(ordered, start, start + per_page)
        return Page([self._rows[i] for i in chosen], total, page, per_page)


def paginate(items: list[T], page: int, per_page: int) -> Page[T]:
    """Page an already materialised list (for small derived lists)."""
    start = (max(page, 1) - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)
