"""Botamp's state and the rules of an upsert, on plain values (never the request).

References (§n, D-n, assumption X) are to docs/vendors/botamp.md.

- An account has one valid key at a time; a new key invalidates the old one at once (§1, D-8).
- A subscriber is keyed by email, case-insensitively; fields not sent keep their value, `null`
  or `""` clears one, tags are merged (D-5, assumptions B, D, E).
- "The email must exist" is an offline rule: reserved test domains and the fixtures'
  undeliverable domains do not exist (§6, D-4).
"""
from __future__ import annotations

import itertools
import math
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...core import Call, Services, Table, iso
from .errors import (
    BIRTHDAY_FORMAT,
    EMAIL_INVALID,
    EMAIL_REQUIRED,
    EMAIL_UNKNOWN,
    Rejected,
    field_invalid,
)

API_NAME = "botamp"
FIELDS = ("name", "job_title", "country", "address", "company_name", "website", "postal_code",
          "birthday")
RESERVED_TLDS = ("invalid", "test", "example")  # RFC 2606/6761: these never exist
# one @, a local part without spaces or control characters (no address holds a NUL, and
# no Postgres text column could store one), a dotted domain of sane labels
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
                      r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$")
CONTROL_RE = re.compile(r"[\x00\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not text (tab, CR, LF are)
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# -- state -------------------------------------------------------------------------------
@dataclass(slots=True)
class Subscriber:
    id: int
    email: str
    created_at: float
    updated_at: float
    name: str | None = None
    job_title: str | None = None
    country: str | None = None
    address: str | None = None
    company_name: str | None = None
    website: str | None = None
    postal_code: str | None = None
    birthday: str | None = None
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "email": self.email}
        out.update({f: getattr(self, f) for f in FIELDS})
        out.update(tags=list(self.tags), created_at=iso(self.created_at),
                   updated_at=iso(self.updated_at))
        return out


@dataclass(slots=True)
class Skipped:
    entry: int  # 1-based position in the request
    email: str | None
    reason: str


@dataclass(slots=True)
class Batch:
    """One accepted `create_or_update_many` request and, once run, its outcome."""

    id: int
    size: int
    received_at: float
    status: str = "pending"  # pending -> done
    created: int = 0
    updated: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    finished_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "size": self.size, "status": self.status,
                "received_at": iso(self.received_at),
                "finished_at": None if self.finished_at is None else iso(self.finished_at),
                "created": self.created, "updated": self.updated,
                "skipped": [{"entry": s.entry, "email": s.email, "reason": s.reason}
                            for s in self.skipped]}


class Account:
    """One Botamp account: its owner, its one valid key and its subscribers."""

    def __init__(self, id: int, name: str, owner_email: str, api_key: str,
                 undeliverable_domains: list[str] | tuple[str, ...] = ()) -> None:
        self.id, self.name, self.owner_email, self.api_key = id, name, owner_email, api_key
        self.undeliverable = tuple(d.lower().strip(".") for d in undeliverable_domains)
        self.subscribers: Table[Subscriber] = Table(unique={"email": lambda s: s.email.lower()})
        self.batches: list[Batch] = []
        # Upserts and batch jobs may run on different threads when served: one writer at a time.
        self.lock = threading.Lock()


class World:
    """Every account the fake knows, and which key opens which account."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.accounts: dict[int, Account] = {}
        self.keys: dict[str, Account] = {}
        self.batch_ids = itertools.count(1)
        self.batch_delay = 0.0  # seconds between accepting a batch and running it

    def add(self, account: Account) -> Account:
        self.accounts[account.id] = account
        self.keys[account.api_key] = account
        return account

    @property
    def default(self) -> Account:
        return next(iter(self.accounts.values()))

    def account(self, wanted: Any) -> Account | None:
        """The account with this id (an int or its text), or None."""
        try:
            return self.accounts.get(int(wanted))
        except (TypeError, ValueError):
            return None

    def regenerate_key(self, account: Account) -> str:
        """A new key for `account`; the previous one stops working at once (D-8)."""
        self.keys.pop(account.api_key, None)
        account.api_key = secrets.token_hex(16)
        self.keys[account.api_key] = account
        return account.api_key


ApiCall = Call[World, Account]


# -- checking a subscriber (the single endpoint and every batch entry) ----------------------
@dataclass(slots=True)
class Checked:
    email: str  # trimmed, as sent
    values: dict[str, str | None]  # the fields that were sent; None clears
    tags: list[str]


def as_text(value: Any) -> str | None:
    """Rails' string cast of a scalar: a number as its text, true/false as "t"/"f"; None for
    an array or object, which no string column takes (assumption D)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return f"{value:.1f}" if isinstance(value, float) and value.is_integer() and abs(
            value) < 1e16 else str(value)
    return None


def normalise_email(raw: Any) -> str | None:
    """The matching key of an email (trimmed, lower-case), or None when there is none."""
    return (raw.strip().lower() or None) if isinstance(raw, str) else None


def check_email(raw: Any, acct: Account) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise Rejected(EMAIL_REQUIRED)
    if not isinstance(raw, str):
        raise Rejected(EMAIL_INVALID)
    email = raw.strip()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise Rejected(EMAIL_INVALID)
    domain = email.rsplit("@", 1)[1].lower()
    if domain.rsplit(".", 1)[1] in RESERVED_TLDS or any(
            domain == d or domain.endswith("." + d) for d in acct.undeliverable):
        raise Rejected(EMAIL_UNKNOWN)
    return email


def check_birthday(raw: str) -> str:
    if not DATE_RE.match(raw):
        raise Rejected(BIRTHDAY_FORMAT)
    try:
        date.fromisoformat(raw)
    except ValueError:  # 1990-02-30 and friends
        raise Rejected(BIRTHDAY_FORMAT) from None
    return raw


def check_tags(raw: Any) -> list[str]:
    if raw is None:
        return []
    # Rails' deep munge drops the nulls of an array before anyone sees it
    texts = [as_text(t) for t in raw if t is not None] if isinstance(raw, list) else [None]
    if not all(t is not None and not CONTROL_RE.search(t) for t in texts):
        raise Rejected(field_invalid("tags"))
    return [t.strip() for t in texts if t is not None and t.strip()]


def check_subscriber(raw: Any, acct: Account) -> Checked:
    """The subscriber as Botamp would store it, or Rejected with the first problem found."""
    if not isinstance(raw, dict):
        raise Rejected(EMAIL_REQUIRED)
    email = check_email(raw.get("email"), acct)
    values: dict[str, str | None] = {}
    for name in FIELDS:
        if name not in raw:
            continue  # not sent: keeps its value
        value = raw[name]
        if value is None or value == "":
            values[name] = None  # sent empty: cleared
        else:
            text = as_text(value)
            if text is None or CONTROL_RE.search(text):
                raise Rejected(BIRTHDAY_FORMAT if name == "birthday" else field_invalid(name))
            values[name] = check_birthday(text) if name == "birthday" else text
    return Checked(email, values, check_tags(raw.get("tags")))


def merge_tags(current: list[str], new: list[str]) -> None:
    """Union, case-insensitive; the spelling stored first is kept (assumption E)."""
    have = {t.lower() for t in current}
    for tag in new:
        if tag.lower() not in have:
            have.add(tag.lower())
            current.append(tag)


def upsert(acct: Account, sub: Checked, now: float) -> bool:
    """Apply one checked subscriber; True when it was created. Call with `acct.lock` held."""
    found = acct.subscribers.by("email", sub.email.lower())
    if found is None:
        sid = acct.subscribers.next_id()
        found = acct.subscribers.put(sid, Subscriber(sid, sub.email, now, now))
        created = True
    else:
        created = False
    for name, value in sub.values.items():
        setattr(found, name, value)
    merge_tags(found.tags, sub.tags)
    found.updated_at = now
    return created
