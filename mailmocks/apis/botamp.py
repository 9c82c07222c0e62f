"""Botamp subscriber API, as the real service behaves.

Facts: ../shared/api-facts/botamp.md; the contract is contracts/botamp.yaml and its
info.description lists the decisions taken where Botamp's docs are silent.

- Every request carries `Authorization: Bearer <api_key>`; generating a new key invalidates
  the old one at once. Anything else is 401 `{"error": "Unauthorized"}`.
- `create_or_update` inserts or updates one subscriber, keyed by email (case-insensitive),
  synchronously: 200 `{}` once applied, 400 `{"error": "<message>"}` otherwise.
- `create_or_update_many` checks only the envelope, answers 200 `{}` at once and applies the
  entries in a background job: the first occurrence of an email wins, invalid entries are
  skipped, and a report email goes to the account owner when the job is done.
- "The email must exist" is an offline rule: reserved test domains and the fixtures'
  undeliverable domains do not exist.
"""
from __future__ import annotations

import functools
import itertools
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..core import (
    Api,
    Call,
    CheckSettings,
    HttpError,
    Problem,
    Reply,
    Services,
    Table,
    iso,
    json_reply,
)
from ..core.resources import fixture_path

MAX_BATCH = 1000
FIELDS = ("name", "job_title", "country", "address", "company_name", "website", "postal_code",
          "birthday")
RESERVED_TLDS = ("invalid", "test", "example")  # RFC 2606/6761: these never exist
# one @, a non-empty local part, a dotted domain of sane labels
EMAIL_RE = re.compile(r"^[^@\s]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
                      r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
REPORT_SENDER = "Botamp <no-reply@botamp.com>"
REPORT_SUBJECT = "Your subscriber import is done"


# -- errors, worded as decided (contract decisions 2-3, assumptions A-H) ---------------------
EMAIL_REQUIRED = "Email is required"
EMAIL_INVALID = "Email is invalid"
EMAIL_UNKNOWN = "Email does not exist"
BIRTHDAY_FORMAT = "Birthday must use the yyyy-mm-dd format"
EMPTY_BATCH = "Subscribers must be a non-empty list"
BATCH_TOO_BIG = f"Too many subscribers in one request (max {MAX_BATCH})"
DUPLICATE = "Duplicate email (only the first occurrence is used)"


def error(status: int, message: str) -> HttpError:
    return HttpError(json_reply(status, {"error": message}))


def unauthorized() -> HttpError:
    return error(401, "Unauthorized")


def field_invalid(name: str) -> str:
    """Rails' wording: `job_title` -> "Job title is invalid"."""
    return f"{name.replace('_', ' ').capitalize()} is invalid"


class Rejected(Exception):
    """A subscriber that cannot be applied; `message` is the vendor's reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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

    def regenerate_key(self, account: Account) -> str:
        """A new key for `account`; the previous one stops working at once (decision 8)."""
        self.keys.pop(account.api_key, None)
        account.api_key = secrets.token_hex(16)
        self.keys[account.api_key] = account
        return account.api_key


# -- checking a subscriber (the single endpoint and every batch entry) ----------------------
@dataclass(slots=True)
class Checked:
    email: str  # trimmed, as sent
    values: dict[str, str | None]  # the fields that were sent; None clears
    tags: list[str]


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
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise Rejected(field_invalid("tags"))
    return [t.strip() for t in raw if t.strip()]


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
        elif not isinstance(value, str):
            raise Rejected(BIRTHDAY_FORMAT if name == "birthday" else field_invalid(name))
        else:
            values[name] = check_birthday(value) if name == "birthday" else value
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


# -- the batch job and its report ----------------------------------------------------------
def run_batch(world: World, acct: Account, batch: Batch, entries: list[Any]) -> None:
    """Apply a batch as Botamp does: first occurrence wins, invalid entries skipped."""
    seen: set[str] = set()
    with acct.lock:
        now = world.services.clock.now()
        for n, raw in enumerate(entries, 1):
            given = raw.get("email") if isinstance(raw, dict) else None
            shown = given if isinstance(given, str) else None
            key = normalise_email(given)
            if key is not None:
                if key in seen:
                    batch.skipped.append(Skipped(n, shown, DUPLICATE))
                    continue
                seen.add(key)
            try:
                sub = check_subscriber(raw, acct)
            except Rejected as rej:
                batch.skipped.append(Skipped(n, shown, rej.message))
                continue
            if upsert(acct, sub, now):
                batch.created += 1
            else:
                batch.updated += 1
        batch.status, batch.finished_at = "done", world.services.clock.now()
    send_report(world, acct, batch)


REPORT_TEXT = """Hello {name},

Your import of {size} entries (received {received}) is done.

Created: {created}
Updated: {updated}
Skipped: {skipped_count}
{skipped_lines}
The Botamp team
"""


def send_report(world: World, acct: Account, batch: Batch) -> None:
    """The email Botamp sends the account owner when a batch is done."""
    lines = "".join(f"- entry {s.entry} ({s.email or 'no email'}): {s.reason}\n"
                    for s in batch.skipped)
    data = {"name": acct.name, "size": batch.size, "received": iso(batch.received_at),
            "created": batch.created, "updated": batch.updated,
            "skipped_count": len(batch.skipped),
            "skipped_lines": f"\nSkipped entries:\n{lines}" if lines else ""}
    text = REPORT_TEXT.format(**data)
    items = "".join(f"<li>Entry {s.entry} ({escape(s.email or 'no email')}): "
                    f"{escape(s.reason)}</li>" for s in batch.skipped)
    html = (f"<p>Hello {escape(acct.name)},</p><p>Your import of {batch.size} entries "
            f"(received {data['received']}) is done.</p><ul><li>Created: {batch.created}</li>"
            f"<li>Updated: {batch.updated}</li><li>Skipped: {len(batch.skipped)}</li></ul>"
            + (f"<p>Skipped entries:</p><ol>{items}</ol>" if items else "")
            + "<p>The Botamp team</p>")
    world.services.outbox.add(
        api=api.name, channel="email", to=acct.owner_email, sender=REPORT_SENDER,
        subject=REPORT_SUBJECT, html=html, text=text, template=REPORT_TEXT,
        data={**data, "batch_id": batch.id, **batch.as_dict()}, kind="report", tenant=acct.id,
        meta={"batch_id": batch.id})


# -- the API -------------------------------------------------------------------------------
class BotampApi(Api[World]):
    name = "botamp"
    title = "Botamp"
    contract_file = "botamp.yaml"
    vendor_base_url = "https://www.botamp.com"
    vendor_hosts = ("www.botamp.com", "botamp.com")
    json_media_type = "application/json; charset=utf-8"
    max_body_bytes = 8 << 20  # assumption H
    checks = CheckSettings(
        excluded_checks={"unsupported_method": "Rails answers a method with no route 404 like "
                                               "an unknown path (contract assumption H)"},
        expected_statuses={
            "400": "an email that is not an address or does not exist; a birthday that is "
                   "not a real date (rules beyond the schema)",
        },
        drain=True)

    def check_credentials(self, world: World) -> dict[str, str]:
        return {"bearer": world.default.api_key}

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        from .botamp_fixtures import load_world
        return load_world(World(services), fixtures or str(fixture_path("botamp.yaml")), seed)

    def describe(self, world: World) -> list[str]:
        lines = [f"account {a.id} ({a.name}, owner {a.owner_email}): api_key={a.api_key}"
                 for a in world.accounts.values()]
        return lines + ["sandbox: POST /botamp/_sandbox/regenerate_key, "
                        "GET /botamp/_sandbox/subscribers, GET /botamp/_sandbox/batches"]

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        return [
            Route("/_sandbox/regenerate_key", functools.partial(regenerate_key_route, world),
                  methods=["POST"]),
            Route("/_sandbox/subscribers", functools.partial(subscribers_route, world),
                  methods=["GET"]),
            Route("/_sandbox/batches", functools.partial(batches_route, world), methods=["GET"]),
        ]

    def authenticate(self, call: Call[World]) -> None:
        scheme, _, token = call.headers.get("authorization", "").partition(" ")
        account = call.world.keys.get(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise unauthorized()
        call.tenant, call.credential = account, "api_key"

    def invalid(self, call: Call[World], problems: list[Problem]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if call.op.id == "create_or_update_subscribers":
            too_many = any(p.field == "subscribers" and p.keyword == "maxItems"
                           for p in problems)
            return error(400, BATCH_TOO_BIG if too_many else EMPTY_BATCH).reply
        # The single endpoint: the same checks as the handler give the same first message.
        try:
            check_subscriber(body.get("subscriber"), call.tenant)
        except Rejected as rej:
            return error(400, rej.message).reply
        top = problems[0].field.split(".")
        name = top[1] if len(top) > 1 else "subscriber"
        return error(400, BIRTHDAY_FORMAT if name == "birthday" else field_invalid(name)).reply

    def malformed(self, call: Call[World], reason: str) -> Reply:
        return error(400, "Request body is not valid JSON").reply

    def too_large(self, call: Call[World]) -> Reply:
        return error(413, "Request body is too large").reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return error(404, "Not Found").reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return error(404, "Not Found").reply  # Rails: an unrouted verb is an unknown route

    def internal_error(self, call: Call[World], exc: Exception) -> Reply:
        return error(500, "Internal Server Error").reply


api = BotampApi()


def acct_of(call: Call[World]) -> Account:
    account: Account = call.tenant
    return account


# -- handlers, in the order of Botamp's docs ------------------------------------------------
@api.op("create_or_update_subscriber")
def create_or_update_subscriber(call: Call[World]) -> dict[str, Any]:
    """Add a subscriber, or update the one with this email; synchronous."""
    acct = acct_of(call)
    try:
        sub = check_subscriber(call.body["subscriber"], acct)
    except Rejected as rej:
        raise error(400, rej.message) from None
    with acct.lock:
        upsert(acct, sub, call.clock.now())
    return {}


@api.op("create_or_update_subscribers")
def create_or_update_subscribers(call: Call[World]) -> dict[str, Any]:
    """Accept a batch at once; a background job applies it and emails the report."""
    acct, world = acct_of(call), call.world
    entries: list[Any] = call.body["subscribers"]
    batch = Batch(next(world.batch_ids), len(entries), call.clock.now())
    acct.batches.append(batch)
    call.services.jobs.submit(functools.partial(run_batch, world, acct, batch, entries),
                              delay=world.batch_delay,
                              name=f"botamp batch {batch.id} ({batch.size} subscribers)")
    return {}


# -- sandbox control (beside the vendor API; contract assumption I) -------------------------
async def regenerate_key_route(world: World, request: Request) -> JSONResponse:
    """What the owner does under "Advanced Options": a new key, the old one dead at once."""
    wanted: Any = request.query_params.get("account_id")
    raw = await request.body()
    if raw.strip():
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return JSONResponse({"error": "Request body is not valid JSON"}, status_code=400)
        if isinstance(parsed, dict) and parsed.get("account_id") is not None:
            wanted = parsed["account_id"]
    account = world.default if wanted is None else _account(world, wanted)
    if account is None:
        return JSONResponse({"error": "Not Found"}, status_code=404)
    with account.lock:
        key = world.regenerate_key(account)
    return JSONResponse({"account_id": account.id, "api_key": key})


async def subscribers_route(world: World, request: Request) -> JSONResponse:
    """The stored subscribers (the vendor API has no read endpoint)."""
    wanted = request.query_params.get("account_id")
    account = world.default if wanted is None else _account(world, wanted)
    if account is None:
        return JSONResponse({"error": "Not Found"}, status_code=404)
    email = request.query_params.get("email")
    with account.lock:
        if email is not None:
            found = account.subscribers.by("email", email.strip().lower())
            rows = [found.as_dict()] if found else []
        else:
            rows = [s.as_dict() for s in account.subscribers]
    return JSONResponse({"account_id": account.id, "total": len(rows), "subscribers": rows})


async def batches_route(world: World, request: Request) -> JSONResponse:
    """Every batch accepted, pending or done, with its outcome."""
    wanted = request.query_params.get("account_id")
    account = world.default if wanted is None else _account(world, wanted)
    if account is None:
        return JSONResponse({"error": "Not Found"}, status_code=404)
    return JSONResponse({"account_id": account.id,
                         "batches": [b.as_dict() for b in account.batches]})


def _account(world: World, wanted: Any) -> Account | None:
    try:
        return world.accounts.get(int(wanted))
    except (TypeError, ValueError):
        return None
