"""Bulk contacts and the import they start (docs/vendors/esputnik.md §2.7, §2.8): rejected
contacts are answered at once, the others imported by a background job (`jobs.py`)."""
from __future__ import annotations

import copy
from typing import Any

from ....core import iso, op
from ..errors import bad_request, not_found
from ..jobs import dedupe_problem, start_import
from ..model import ApiCall, ImportSession, body_of, contact_problem, new_uuid, one_or_many

# The fields of the specification's FailedContact [S1]: the rejected contact as sent, without
# its externalCustomerId (the DTO has none) or anything else it does not know
FAILED_FIELDS = ("firstName", "lastName", "channels", "address", "fields", "addressBookId", "id",
                 "contactKey", "groups", "languageCode", "timeZone")


@op("add_contacts")
def add_contacts(call: ApiCall) -> dict[str, Any]:
    org, body = call.tenant, body_of(call)
    dedupe = body["dedupeOn"]
    field_id = body.get("fieldId")
    if dedupe == "fieldId":
        if field_id is None:
            raise bad_request("fieldId is required when dedupeOn is fieldId")
        if field_id not in org.fields():
            raise bad_request(f"Field with id={field_id} not found")
    accepted, failed = [], []
    for raw in body["contacts"]:
        problem = contact_problem(org, raw) or dedupe_problem(raw, dedupe, field_id)
        if problem:
            failed.append({**{k: v for k, v in raw.items() if k in FAILED_FIELDS},
                           "error": problem})
        else:
            accepted.append(copy.deepcopy(raw))
    session = ImportSession(new_uuid(), "STARTED", call.clock.now())
    org.imports[session.id] = session
    options = {k: copy.deepcopy(v) for k, v in body.items() if k != "contacts"}
    start_import(call.world, org, session, accepted, options)
    return {"id": 0, "asyncSessionId": session.id, "failedContacts": one_or_many(failed)}


@op("get_import_status")
def get_import_status(call: ApiCall) -> dict[str, Any]:
    sid = call.params["sessionId"]
    session = call.tenant.imports.get(sid)
    if session is None:
        raise not_found(f"Import session '{sid}' not found")
    out: dict[str, Any] = {"status": session.status, "timestamp": iso(session.updated, False),
                           "mapping": list(session.mapping)}
    if session.description:
        out["description"] = session.description
    return out
