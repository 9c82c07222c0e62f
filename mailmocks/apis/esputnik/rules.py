"""The documented field rules of eSputnik (docs/vendors/esputnik.md §2.12, §13) and how a
contact body is written onto a contact, on plain values: what the handlers and the import job
share."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .model import Contact, Org, blank, given_channels

# No whitespace, quotes, brackets, separators or control characters (a NUL included).
EMAIL_RE = re.compile(r"^[^@\s\"<>,;\x00-\x1f\x7f]+@[^@\s\"<>,;\x00-\x1f\x7f]+"
                      r"\.[^@\s\"<>,;\x00-\x1f\x7f]{2,}\Z")  # \Z: no trailing newline
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}\Z")
NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*\.?$")
SIMPLE_FIELDS = {"firstName": "first_name", "lastName": "last_name", "contactKey": "contact_key",
                 "languageCode": "language_code", "timeZone": "time_zone",
                 "externalCustomerId": "external_customer_id"}
ADDRESS_PARTS = {"address": "address", "town": "town", "region": "region",
                 "postcode": "postcode"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y", "%d.%m.%Y")


# -- validation (§2.12) ----------------------------------------------------------------------
def name_problem(label: str, value: Any) -> str | None:
    if blank(value):  # the WooCommerce plugin sends " " for a missing name: no name
        return None
    text = str(value).strip()
    if len(text) > 40:
        return f"{label} must not be longer than 40 characters"
    digits = sum(ch.isdigit() for ch in text)
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    letters_only = re.sub(r"\d", "", text)
    ok = bool(words) and digits <= 3 and any(ch.isalpha() for ch in text)
    for word in re.split(r"\s+", letters_only.strip()):
        if not word:
            continue
        if not NAME_WORD.match(word) or (word.endswith(".") and len(word) > 4):
            ok = False
    return None if ok else f"Invalid {label}: '{text}'"


def channel_problem(ch: dict[str, Any]) -> str | None:
    kind, value = ch.get("type"), str(ch.get("value", ""))
    if kind == "email" and not EMAIL_RE.match(value.strip()):
        return f"'{value}' is not valid email"
    if kind in ("sms", "viber") and not PHONE_RE.match(value.strip()):
        return f"'{value}' is not valid phone number"
    if not value.strip():
        return f"Empty value of {kind} channel"
    return None


def field_problem(org: Org, item: dict[str, Any]) -> str | None:
    known = org.fields()
    fid, value = item.get("id"), item.get("value")
    f = known.get(fid) if isinstance(fid, int) else None
    if f is None:
        return f"Field with id={fid} not found"
    if value in (None, ""):
        return None
    text = str(value)
    if f.type == "NUMBER":
        try:
            number = int(text)
        except ValueError:
            return f"Invalid value of field {f.name}: '{text}' is not a number"
        if not -(2**31) <= number < 2**31:
            return f"Invalid value of field {f.name}: '{text}' is out of range"
    elif f.type == "DATE" and not any(_parses(text, fmt) for fmt in DATE_FORMATS):
        return f"Invalid value of field {f.name}: '{text}' is not a date"
    elif f.type == "DATETIME" and not _parses(text, "%Y-%m-%dT%H:%M"):
        return f"Invalid value of field {f.name}: '{text}' is not a date and time"
    elif f.type == "COMBOBOX" and f.possible_values and text not in f.possible_values:
        return f"Invalid value of field {f.name}: '{text}' is not one of {f.possible_values}"
    elif f.type == "TEXTFIELD" and len(text) > 1000:
        return f"Value of field {f.name} must not be longer than 1000 characters"
    elif len(text) > 5000:
        return f"Value of field {f.name} must not be longer than 5000 characters"
    return None


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def contact_problem(org: Org, raw: dict[str, Any], *, need_channels: bool = True) -> str | None:
    channels = given_channels(raw)
    if need_channels and not channels:
        return "Contact must have at least one channel"
    counts: dict[str, int] = {}
    for ch in channels:
        if not isinstance(ch, dict):
            return "Invalid channel"
        counts[str(ch.get("type"))] = counts.get(str(ch.get("type")), 0) + 1
        problem = channel_problem(ch)
        if problem:
            return problem
    if any(n > 2 for n in counts.values()):
        return "A contact can have at most two channels of the same type"
    for label, key in (("first name", "firstName"), ("last name", "lastName")):
        problem = name_problem(label, raw.get(key))
        if problem:
            return problem
    for item in raw.get("fields") or ():
        problem = field_problem(org, item)
        if problem:
            return problem
    return None



def clean_channels(channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for ch in channels:
        if blank(ch.get("value")):
            continue
        item = {k: v for k, v in ch.items() if k in ("type", "value", "device",
                                                      "webPushSubscription")}
        value = str(item["value"]).strip()
        item["value"] = value.lower() if item["type"] == "email" else value
        out.append(item)
    return out


def stored_value(key: str, value: Any) -> Any:
    """A contact field as stored: names trimmed, a blank value is none."""
    if key in ("firstName", "lastName") and isinstance(value, str):
        value = value.strip()
    return None if blank(value) else value


def apply_contact(org: Org, c: Contact, raw: dict[str, Any]) -> None:
    """Set every field present in `raw` (a Contact/ContactUpdate body)."""
    for key, slot in SIMPLE_FIELDS.items():
        if key in raw:
            setattr(c, slot, stored_value(key, raw[key]))
    if "channels" in raw and given_channels(raw):
        c.channels = clean_channels(raw["channels"])
    if "address" in raw:
        c.address = {k: v for k, v in (raw["address"] or {}).items()
                     if k in ADDRESS_PARTS and not blank(v)} or None
    if "addressBookId" in raw:
        c.address_book_id = raw["addressBookId"]
    for item in raw.get("fields") or ():
        c.fields[int(item["id"])] = item.get("value")
