"""Unsubscribed addresses and subscription categories (docs/vendors/esputnik.md §2.13,
§2.14)."""
from __future__ import annotations

from typing import Any

from ....core import Reply, iso, op
from ..errors import bad_request, unknown_category
from ..model import ApiCall, Category, body_of, one_or_many
from ..rules import EMAIL_RE
from . import empty_ok, plain_ok
from .contacts import contact_or_404, touch


def email_list(call: ApiCall) -> list[str]:
    emails = [str(e).strip().lower() for e in body_of(call)["emails"]]
    bad = next((e for e in emails if not EMAIL_RE.match(e)), None)
    if bad is not None:
        raise bad_request(f"'{bad}' is not valid email")
    return emails


@op("add_unsubscribed_emails")
def add_unsubscribed_emails(call: ApiCall) -> Reply:
    call.tenant.unsubscribed.update(email_list(call))
    return empty_ok()


@op("delete_unsubscribed_emails")
def delete_unsubscribed_emails(call: ApiCall) -> Reply:
    call.tenant.unsubscribed.difference_update(email_list(call))
    return empty_ok()


def category_json(cat: Category) -> dict[str, Any]:
    return {"id": cat.id, "key": cat.key, "groupId": cat.group_id, "name": cat.name}


@op("list_subscription_categories")
def list_subscription_categories(call: ApiCall) -> list[dict[str, Any]]:
    org = call.tenant
    out = []
    for cat in org.categories.values():
        count = sum(1 for c in org.contacts.values()
                    if not c.deleted and cat.key in c.subscriptions)
        out.append({**category_json(cat), "contactsCount": count,
                    "createdDate": iso(cat.created), "updatedDate": iso(cat.created)})
    return out


@op("get_contact_subscriptions")
def get_contact_subscriptions(call: ApiCall) -> Reply:
    org = call.tenant
    c = contact_or_404(org, call.params["id"])
    cats = [category_json(cat) for cat in org.categories.values() if cat.key in c.subscriptions]
    return Reply(200, one_or_many(cats))


@op("update_contact_subscriptions")
def update_contact_subscriptions(call: ApiCall) -> Reply:
    org, cid = call.tenant, call.params["id"]
    c = contact_or_404(org, cid)
    keys = body_of(call)["subscriptions"]
    unknown = [k for k in keys if k not in org.categories]
    if unknown:
        raise unknown_category(unknown[0])
    c.subscriptions = set(keys)
    touch(call, c)
    return plain_ok(f"Subscriptions of contact with id='{cid}' have been updated")
