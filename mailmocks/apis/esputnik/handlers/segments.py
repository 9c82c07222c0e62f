"""Segments and the custom-field catalog (docs/vendors/esputnik.md §3)."""
from __future__ import annotations

from typing import Any

from ....core import Reply, op
from ..errors import bad_request, not_found
from ..model import ApiCall, Group, Org, body_of, one_or_many
from . import listing, page_args, plain_ok
from .contacts import contact_json


def group_json(g: Group) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "type": g.type}


def group_or_404(org: Org, gid: int) -> Group:
    g = org.groups.get(gid)
    if g is None:
        raise not_found(f"Segment with id='{gid}' not found")
    return g


@op("list_groups")
def list_groups(call: ApiCall) -> list[dict[str, Any]]:
    org = call.tenant
    needle = str(call.params.get("name") or "").lower()
    found = [g for g in sorted(org.groups.values(), key=lambda g: g.id)
             if needle in g.name.lower()]
    start, rows = page_args(call)
    return [group_json(g) for g in found[start:start + rows]]


@op("list_group_contacts")
def list_group_contacts(call: ApiCall) -> Reply:
    org, p = call.tenant, call.params
    members = org.members(group_or_404(org, p["id"]))
    by_ts = bool(p.get("orderByTs", False))
    ids = sorted(members, key=(lambda cid: (members[cid], cid)) if by_ts else None)
    if not p.get("asc", True):
        ids.reverse()
    start, rows = page_args(call)
    return listing([contact_json(org, org.contacts[cid]) for cid in ids[start:start + rows]],
                   len(ids))


def member_ids(call: ApiCall, g: Group) -> list[int] | None:
    org, body = call.tenant, body_of(call)
    if g.type != "Static":
        raise bad_request(f"Segment with id='{g.id}' is not static")
    ids, exts = body.get("contactIds"), body.get("externalCustomerIds")
    if ids and exts:
        raise bad_request("Use either contactIds or externalCustomerIds, not both")
    if not ids and not exts:
        return None
    if exts:
        return [org.by_external[e] for e in exts if e in org.by_external]
    return [cid for cid in ids or () if org.live(cid) is not None]


@op("attach_group_contacts")
def attach_group_contacts(call: ApiCall) -> Reply:
    g = group_or_404(call.tenant, call.params["id"])
    ids = member_ids(call, g) or []
    now = call.clock.now()
    for cid in ids:
        g.members.setdefault(cid, now)
    return plain_ok(f"{len(ids)} contact(s) attached to segment with id='{g.id}'")


@op("detach_group_contacts")
def detach_group_contacts(call: ApiCall) -> Reply:
    g = group_or_404(call.tenant, call.params["id"])
    ids = member_ids(call, g)
    if ids is None:  # no ids: the whole segment is emptied (documented)
        ids = list(g.members)
    for cid in ids:
        g.members.pop(cid, None)
    return plain_ok(f"{len(ids)} contact(s) detached from segment with id='{g.id}'")


@op("list_addressbooks")
def list_addressbooks(call: ApiCall) -> dict[str, Any]:
    books = []
    for book in call.tenant.address_books:
        groups = []
        for fg in book.groups:
            fields = []
            for f in fg.fields:
                desc: dict[str, Any] = {"type": f.type, "required": f.required,
                                        "readonly": f.readonly}
                if f.possible_values:
                    desc["allowedValues"] = {"possibleValues": list(f.possible_values)}
                fields.append({"id": f.id, "name": f.name, "fieldKey": f.key,
                               "description": desc})
            groups.append({"name": fg.name, "profileKey": fg.profile_key,
                           "fields": one_or_many(fields)})
        books.append({"addressBookId": book.id, "name": book.name,
                      "fieldGroups": one_or_many(groups)})
    return {"addressBook": one_or_many(books)}
