"""In-memory tables with the indexes vendors need, and O(page) pagination.

A `Table` keeps records in id order, a unique index per lookup key (email -> subscriber,
slug -> post) and group indexes (state -> ids) that stay id-ordered. Each ordering also
keeps a list of its ids, appended to as rows arrive and rebuilt only after a removal, so a
page is a slice of that list: page 20,000 costs what page 1 does.

A row changed in place must be `put` again: that re-indexes it and forgets the shape `shown`
kept for it (the vendor body a listing built from it).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
KeyFn = Callable[[Any], Hashable]


SHOWN_MAX = 10_000  # shapes a table keeps for `shown` (a few pages' worth, many times over)


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


class _Ordered:
    """Ids in ascending order: a dict for membership, and a list to slice pages from."""

    __slots__ = ("ids", "_list", "_sorted")

    def __init__(self) -> None:
        self.ids: dict[int, None] = {}
        self._list: list[int] | None = []
        self._sorted = True

    def add(self, rid: int) -> None:
        if rid in self.ids:
            return
        if self.ids and rid < next(reversed(self.ids)):
            self._sorted = False
            self._list = None
        elif self._list is not None:
            self._list.append(rid)
        self.ids[rid] = None

    def discard(self, rid: int) -> None:
        if self.ids.pop(rid, 0) is None:
            self._list = None  # rebuilt on the next read

    def ordered(self) -> dict[int, None]:
        if not self._sorted:  # re-sorted only after an out-of-order insert
            self.ids = dict.fromkeys(sorted(self.ids))
            self._sorted = True
        return self.ids

    def as_list(self) -> list[int]:
        if self._list is None:
            self._list = list(self.ordered())
        return self._list


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
        self._groups: dict[str, dict[Hashable, _Ordered]] = {k: {} for k in self._group_fns}
        # each row's index keys as one tuple (unique keys, then group keys, in the order of
        # the functions above): what a re-index must remove, at a tuple's cost, not a dict's
        self._keys: dict[int, tuple[Hashable, ...]] = {}
        # every id in ascending order, to slice pages of the whole table from (None: stale
        # after a removal or an out-of-order insert; _rows already answers membership)
        self._all: list[int] | None = []
        # rid -> (context, shape): a row's vendor body as a listing last built it, kept until
        # the row is put or deleted; bounded, so paging through a million rows keeps few
        self._shown: dict[int, tuple[Hashable, Any]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_shown": {}}  # a snapshot keeps rows, not what they showed

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"_shown": {}, **state})  # snapshots from before `shown`

    def next_id(self) -> int:
        return next(self._ids)

    def bump_ids(self, above: int) -> None:
        """Make sure new ids start above `above` (after loading fixtures with fixed ids)."""
        peek = next(self._ids)
        self._ids = itertools.count(max(peek, above + 1))

    # -- writing -----------------------------------------------------------------------
    def put(self, rid: int, row: T) -> T:
        """Insert or re-index `row` under `rid`; raises Conflict on a taken unique key."""
        unique = [fn(row) for fn in self._unique_fns.values()]
        for name, key in zip(self._unique_fns, unique, strict=True):
            holder = self._unique[name].get(key)
            if key is not None and holder is not None and holder != rid:
                raise Conflict(f"{name} {key!r} is taken")
        grouped = [fn(row) for fn in self._group_fns.values()]
        old = self._keys.get(rid)
        if old is not None:  # a re-index moves only the keys that changed
            split = len(unique)
            for name, was, key in zip(self._unique_fns, old[:split], unique, strict=True):
                if was != key and self._unique[name].get(was) == rid:
                    del self._unique[name][was]
            for name, was, key in zip(self._group_fns, old[split:], grouped, strict=True):
                if was != key and (group := self._groups[name].get(was)) is not None:
                    group.discard(rid)
        self._shown.pop(rid, None)
        if rid not in self._rows and self._all is not None:
            if self._all and rid < self._all[-1]:
                self._all = None
            else:
                self._all.append(rid)
        self._rows[rid] = row
        for name, key in zip(self._unique_fns, unique, strict=True):
            if key is not None:
                self._unique[name][key] = rid
        for name, key in zip(self._group_fns, grouped, strict=True):
            group = self._groups[name].get(key)
            if group is None:
                group = self._groups[name][key] = _Ordered()
            group.add(rid)
        if unique or grouped:
            self._keys[rid] = (*unique, *grouped)
        if self.maxlen is not None and len(self._rows) > self.maxlen:
            self.delete(next(iter(self._rows)))  # the oldest row goes
        return row

    def delete(self, rid: int) -> T | None:
        self._unindex(rid)
        self._shown.pop(rid, None)
        if rid in self._rows:
            self._all = None
        return self._rows.pop(rid, None)

    def _unindex(self, rid: int) -> None:
        keys = self._keys.pop(rid, None)
        if not keys:
            return
        unique = len(self._unique_fns)
        for name, key in zip(self._unique_fns, keys[:unique], strict=True):
            if self._unique[name].get(key) == rid:
                del self._unique[name][key]
        for name, key in zip(self._group_fns, keys[unique:], strict=True):
            group = self._groups[name].get(key)
            if group is not None:
                group.discard(rid)

    # -- reading -----------------------------------------------------------------------
    def shown(self, rows: Iterable[T], context: Hashable, build: Callable[[T], Any],
              rid: Callable[[T], int]) -> list[Any]:
        """`build(row)` for each row, reused while the row is not put again and `context`
        (what else the shape depends on, e.g. the account's field keys) is equal. Shapes are
        shared: callers serialise them and must not change them."""
        cache, out = self._shown, list[Any]()
        known, keep = cache.get, out.append  # bound once: this loop runs per row of a page
        for row in rows:
            key = rid(row)
            hit = known(key)
            if hit is not None and hit[0] == context:
                keep(hit[1])
                continue
            shape = build(row)
            if len(cache) >= SHOWN_MAX:
                cache.clear()
            cache[key] = (context, shape)
            keep(shape)
        return out

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

    def _id_list(self, group: str | None, keys: tuple[Hashable, ...]) -> list[int]:
        if group is None:
            if self._all is None:
                self._all = sorted(self._rows)
            return self._all
        parts = [self._groups[group][k] for k in keys if k in self._groups[group]]
        if len(parts) == 1:
            return parts[0].as_list()
        return sorted(itertools.chain.from_iterable(p.ids for p in parts))

    def page(self, page: int, per_page: int, *, group: str | None = None,
             keys: Iterable[Hashable] = (), descending: bool = False) -> Page[T]:
        ids = self._id_list(group, tuple(keys))
        total = len(ids)
        start = (max(page, 1) - 1) * per_page
        if start >= total:  # past the end
            return Page([], total, page, per_page)
        if descending:
            stop = total - start
            chosen = ids[max(0, stop - per_page):stop][::-1]
        else:
            chosen = ids[start:start + per_page]
        return Page([self._rows[i] for i in chosen], total, page, per_page)


def paginate(items: list[T], page: int, per_page: int) -> Page[T]:
    """Page an already materialised list (for small derived lists)."""
    start = (max(page, 1) - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)
