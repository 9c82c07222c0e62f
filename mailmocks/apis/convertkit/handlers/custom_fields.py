"""Custom fields: labels, derived keys, renames and deletes (§9, §12). References (§n, D-n,
assumption X) are to docs/vendors/convertkit.md."""
from __future__ import annotations

from typing import Any

from ....core import Conflict, Reply, json_reply, no_content, op
from .. import errors
from ..model import ApiCall, CustomField, body_of, field_json, field_key


def field_or_404(call: ApiCall) -> CustomField:
    f = call.tenant.fields.get(call.params["custom_field_id"])
    if f is None:
        raise errors.not_found()
    return f


@op("list_custom_fields")
def list_custom_fields(call: ApiCall) -> dict[str, Any]:
    return {"custom_fields": [field_json(f) for f in call.tenant.fields]}


@op("create_custom_fields")
def create_custom_fields(call: ApiCall) -> Reply:
    acct = call.tenant
    spec = body_of(call)["label"]
    labels = [str(x).strip() for x in (spec if isinstance(spec, list) else [spec])]
    seen: set[str] = set()
    for label in labels:  # all or nothing (D-3)
        if not label:
            raise errors.unprocessable("Label can't be blank")
        if acct.fields.by("label", label.lower()) is not None or label.lower() in seen:
            raise errors.unprocessable("Label has already been taken")
        seen.add(label.lower())
    made = []
    for label in labels:
        fid = acct.fields.next_id()
        key = field_key(label, (f.key for f in acct.fields))
        made.append(acct.fields.put(fid, CustomField(fid, label, key)))
    shaped = [field_json(f) for f in made]
    # A one-element array comes back as a single object (the official SDK relies on it, §9).
    body = shaped if isinstance(spec, list) and len(shaped) > 1 else shaped[0]
    return json_reply(201, body, {"location": "/v3/custom_fields"})


@op("update_custom_field")
def update_custom_field(call: ApiCall) -> Reply:
    acct, f = call.tenant, field_or_404(call)
    label = str(body_of(call).get("label") or "").strip()
    if not label:
        raise errors.unprocessable("Label can't be blank")
    try:  # only the label changes; key and name stay
        acct.fields.put(f.id, CustomField(f.id, label, f.key))
    except Conflict:
        raise errors.unprocessable("Label has already been taken") from None
    return no_content()


@op("delete_custom_field")
def delete_custom_field(call: ApiCall) -> Reply:
    acct, f = call.tenant, field_or_404(call)
    acct.fields.delete(f.id)
    for s in list(acct.subscribers):  # the values go with the field
        if s.fields.pop(f.key, None) is not None:  # put: what it showed is forgotten
            acct.subscribers.put(s.id, s)
    return no_content()
