"""Thin real client for the eSputnik (Yespo) REST API v1/v2.

Each operation is written once, in `_Operations`, as one `_send(...)` call that reads like the
vendor's endpoint list; `ESputnik` (sync) and `AsyncESputnik` differ only in how `_send`
performs the request. Auth is HTTP Basic with the API key as the password.

The client smooths the service's quirks so callers get one shape:
* "one element => object": `results`, `failedContacts`, `addressBook`, `fieldGroups`,
  `fields` and a contact's subscriptions always come back as lists;
* stringified scalars (`"id": "0"`, `"failed": "false"`) become ints and booleans;
* plain-text 200 bodies under a JSON content type come back as `str`, empty bodies as None;
* the `TotalCount` header of searches comes back in `Listing.total`.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import orjson

from .base import AsyncBaseClient, BaseClient, Params, parse_body

__all__ = ["DEFAULT_BASE_URL", "AsyncESputnik", "ESputnik", "Listing", "as_list"]

DEFAULT_BASE_URL = "https://esputnik.com"

R = TypeVar("R")  # what an operation returns: the value (sync) or an awaitable of it (async)
Shape = Callable[[httpx.Response], Any]


@dataclass
class Listing:
    """One page of a search, with the `TotalCount` header when the service sent it."""

    items: list[Any]
    total: int | None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# --- quirk normalisers --------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """The XML heritage: None -> [], one object -> [object], a list stays a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _scalar(value: Any) -> Any:
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 19:
        return int(value)
    return value


def _unstring(item: Any, keys: Sequence[str]) -> Any:
    if isinstance(item, dict):
        return {k: _scalar(v) if k in keys else v for k, v in item.items()}
    return item


def _body(response: httpx.Response) -> Any:
    return parse_body(response)


def _results(response: httpx.Response) -> list[Any]:
    body = parse_body(response) or {}
    keys = ("id", "failed", "delivered")
    return [_unstring(r, keys) for r in as_list(body.get("results"))]


def _bulk(response: httpx.Response) -> dict[str, Any]:
    body = dict(parse_body(response) or {})
    body["id"] = _scalar(body.get("id"))
    body["failedContacts"] = as_list(body.get("failedContacts"))
    return body


def _address_books(response: httpx.Response) -> list[Any]:
    books = []
    for book in as_list((parse_body(response) or {}).get("addressBook")):
        groups = []
        for group in as_list(book.get("fieldGroups")):
            groups.append({**group, "fields": [_unstring(f, ("id",))
                                               for f in as_list(group.get("fields"))]})
        books.append({**_unstring(book, ("addressBookId",)), "fieldGroups": groups})
    return books


def _listing(response: httpx.Response) -> Listing:
    total = response.headers.get("TotalCount")
    items = as_list(parse_body(response))
    return Listing(items, int(total) if total is not None and total.isdigit() else None)


def _list(response: httpx.Response) -> list[Any]:
    return as_list(parse_body(response))


def _failed_orders(response: httpx.Response) -> list[Any]:
    # an empty body was also observed when nothing failed
    return as_list((parse_body(response) or {}).get("failedOrders"))


def _camel(options: Mapping[str, Any]) -> dict[str, Any]:
    """Python keyword names -> the API's camelCase (group_names -> groupNames; from_ -> from)."""
    out = {}
    for key, value in options.items():
        if value is None:
            continue
        head, *rest = key.rstrip("_").split("_")
        out[head + "".join(w[:1].upper() + w[1:] for w in rest)] = value
    return out


def _params(params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> Any:
    """Event params as the API wants them: a list of {name, value}."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return [{"name": k, "value": v} for k, v in params.items()]
    return list(params)


def _auth_header(api_key: str) -> str:
    return "Basic " + base64.b64encode(f"mailmocks:{api_key}".encode()).decode()


# --- operations ---------------------------------------------------------------------------------


class _Operations(Generic[R]):
    """eSputnik operations, named after the contract's operationIds where it reads well."""

    api_key: str

    def _headers(self, path: str) -> dict[str, str]:
        return {"authorization": _auth_header(self.api_key)}

    def _send(self, method: str, path: str, /, *, params: Params | None = None,
              json: Any = None, shape: Shape = _body) -> R:
        raise NotImplementedError

    # Account
    def get_account_info(self) -> R:
        return self._send("GET", "/api/v1/account/info")

    def get_balance(self) -> R:
        """-> {currentBalance, creditLimit, currency, sendersReservedBalances, bonusEmails,
        bonusSmses}."""
        return self._send("GET", "/api/v1/balance")

    def get_version(self) -> R:
        """-> {version, protocolVersion} (the old call some clients use to test a key)."""
        return self._send("GET", "/api/v1/version")

    # Contacts
    def add_contact(self, contact: Mapping[str, Any]) -> R:
        """Create or update one contact (by externalCustomerId/email/phone) -> {"id"}."""
        return self._send("POST", "/api/v1/contact", json=dict(contact))

    def get_contact(self, contact_id: int) -> R:
        return self._send("GET", f"/api/v1/contact/{contact_id}")

    def update_contact(self, contact_id: int, contact: Mapping[str, Any]) -> R:
        """-> the service's plain-text confirmation."""
        return self._send("PUT", f"/api/v1/contact/{contact_id}", json=dict(contact))

    def delete_contact(self, contact_id: int, erase: bool | None = None) -> R:
        return self._send("DELETE", f"/api/v1/contact/{contact_id}",
                          params={"erase": _flag(erase)})

    def delete_contact_by_external_id(self, external_customer_id: str,
                                      erase: bool | None = None) -> R:
        return self._send("DELETE", "/api/v1/contact",
                          params={"externalCustomerId": external_customer_id,
                                  "erase": _flag(erase)})

    def subscribe_contact(self, contact: Mapping[str, Any], groups: Sequence[str] | None = None,
                          subscriptions: Sequence[str] | None = None,
                          form_type: str | None = None) -> R:
        body = _camel({"contact": dict(contact), "groups": _seq(groups),
                       "subscriptions": _seq(subscriptions), "form_type": form_type})
        return self._send("POST", "/api/v1/contact/subscribe", json=body)

    def add_contacts(self, contacts: Sequence[Mapping[str, Any]], dedupe_on: str,
                     **options: Any) -> R:
        """Bulk add/update (<= 3000) -> {"id", "asyncSessionId", "failedContacts": [...]}.

        Options in snake_case: field_id, contact_fields, custom_fields_ids (sent as
        customFieldsIDs), group_names, group_names_exclude, restore_deleted,
        event_key_for_new_contacts.
        """
        ids = options.pop("custom_fields_ids", None)
        body = {"contacts": [dict(c) for c in contacts], "dedupeOn": dedupe_on,
                **_camel(options)}
        if ids is not None:
            body["customFieldsIDs"] = list(ids)
        return self._send("POST", "/api/v1/contacts", json=body, shape=_bulk)

    def get_import_status(self, session_id: str) -> R:
        return self._send("GET", f"/api/v1/importstatus/{session_id}")

    def search_contacts(self, *, email: str | None = None, sms: str | None = None,
                        external_customer_id: str | None = None, firstname: str | None = None,
                        lastname: str | None = None, startindex: int | None = None,
                        maxrows: int | None = None, sort_by: str | None = None) -> R:
        """-> Listing(items, total) with the `TotalCount` header."""
        params = _camel({"email": email, "sms": sms, "external_customer_id": external_customer_id,
                         "sort_by": sort_by})
        params.update({k: v for k, v in (("firstname", firstname), ("lastname", lastname),
                                         ("startindex", startindex), ("maxrows", maxrows))
                       if v is not None})
        return self._send("GET", "/api/v1/contacts", params=params, shape=_listing)

    def get_contact_emails(self, contact_ids: Sequence[int]) -> R:
        """-> [{"contactId", "email"}, ...] (always a list)."""
        return self._send("GET", "/api/v1/contacts/email",
                          params={"ids": ",".join(str(i) for i in contact_ids)},
                          shape=_results)

    def add_unsubscribed(self, emails: Sequence[str]) -> R:
        return self._send("POST", "/api/v1/emails/unsubscribed/add",
                          json={"emails": list(emails)})

    def delete_unsubscribed(self, emails: Sequence[str]) -> R:
        return self._send("POST", "/api/v1/emails/unsubscribed/delete",
                          json={"emails": list(emails)})

    def list_subscription_categories(self) -> R:
        return self._send("GET", "/api/v1/subscriptions", shape=_list)

    def get_contact_subscriptions(self, contact_id: int) -> R:
        """-> the contact's categories (always a list)."""
        return self._send("GET", f"/api/v1/contact/{contact_id}/subscriptions", shape=_list)

    def update_contact_subscriptions(self, contact_id: int, keys: Sequence[str]) -> R:
        return self._send("PUT", f"/api/v1/contact/{contact_id}/subscriptions",
                          json={"subscriptions": list(keys)})

    # Segments and catalogs
    def list_groups(self, name: str | None = None, startindex: int | None = None,
                    maxrows: int | None = None) -> R:
        return self._send("GET", "/api/v1/groups", shape=_list,
                          params={"name": name, "startindex": startindex, "maxrows": maxrows})

    def list_group_contacts(self, group_id: int, startindex: int | None = None,
                            maxrows: int | None = None, order_by_ts: bool | None = None,
                            asc: bool | None = None) -> R:
        params = {"startindex": startindex, "maxrows": maxrows, "orderByTs": _flag(order_by_ts),
                  "asc": _flag(asc)}
        return self._send("GET", f"/api/v1/group/{group_id}/contacts", params=params,
                          shape=_listing)

    def attach_contacts(self, group_id: int, contact_ids: Sequence[int] | None = None,
                        external_customer_ids: Sequence[str] | None = None) -> R:
        body = _camel({"contact_ids": _seq(contact_ids),
                       "external_customer_ids": _seq(external_customer_ids)})
        return self._send("POST", f"/api/v1/group/{group_id}/contacts/attach", json=body)

    def detach_contacts(self, group_id: int, contact_ids: Sequence[int] | None = None,
                        external_customer_ids: Sequence[str] | None = None) -> R:
        """Without ids, every contact leaves the segment (documented behaviour)."""
        body = _camel({"contact_ids": _seq(contact_ids),
                       "external_customer_ids": _seq(external_customer_ids)})
        return self._send("POST", f"/api/v1/group/{group_id}/contacts/detach", json=body)

    def list_addressbooks(self) -> R:
        """-> [address book, ...] with `fieldGroups` and their `fields` always lists."""
        return self._send("GET", "/api/v1/addressbooks", shape=_address_books)

    # Events and orders
    def generate_event(self, event_type_key: str,
                       params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
                       key_value: str | None = None) -> R:
        """Event v2: values may be any JSON. `params` may be a mapping name -> value."""
        body = _camel({"event_type_key": event_type_key, "key_value": key_value,
                       "params": _params(params)})
        return self._send("POST", "/api/v2/event", json=body)

    def generate_event_v1(self, event_type_key: str,
                          params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
                          key_value: str | None = None) -> R:
        """Event v1 (deprecated): values are strings (nested JSON must be serialised)."""
        body = _camel({"event_type_key": event_type_key, "key_value": key_value,
                       "params": _params(params)})
        return self._send("POST", "/api/v1/event", json=body)

    def add_orders(self, orders: Sequence[Mapping[str, Any]]) -> R:
        """-> the rejected orders, [{"order", "error"}, ...]."""
        return self._send("POST", "/api/v1/orders", json={"orders": [dict(o) for o in orders]},
                          shape=_failed_orders)

    def delete_orders(self, external_order_id: str | None = None, from_: str | None = None,
                      to: str | None = None) -> R:
        return self._send("DELETE", "/api/v1/orders", params={
            "externalOrderId": external_order_id, "from": from_, "to": to})

    # Prepared email messages
    def search_email_messages(self, search: str | None = None, startindex: int | None = None,
                              maxrows: int | None = None) -> R:
        return self._send("GET", "/api/v1/messages/email", shape=_listing,
                          params={"search": search, "startindex": startindex,
                                  "maxrows": maxrows})

    def create_email_message(self, name: str, from_: str, subject: str, html_text: str,
                             **optional: Any) -> R:
        """Optional: tags, language_code, subscriptions_keys, raw_html, amp_html, css."""
        body = _camel({"name": name, "from_": from_, "subject": subject,
                       "html_text": html_text, **optional})
        return self._send("POST", "/api/v1/messages/email", json=body)

    def get_email_message(self, message_id: int) -> R:
        return self._send("GET", f"/api/v1/messages/email/{message_id}")

    def update_email_message(self, message_id: int, name: str, from_: str, subject: str,
                             html_text: str, **optional: Any) -> R:
        body = _camel({"name": name, "from_": from_, "subject": subject,
                       "html_text": html_text, **optional})
        return self._send("PUT", f"/api/v1/messages/email/{message_id}", json=body)

    def delete_email_message(self, message_id: int) -> R:
        return self._send("DELETE", f"/api/v1/messages/email/{message_id}")

    # Sending
    def smartsend(self, message_id: int, recipients: Sequence[Mapping[str, Any]],
                  email: bool = True, from_name: str | None = None) -> R:
        """-> one result per recipient (always a list): {"status": "OK", "requestId"} or
        {"status": "ERROR", "message"}. A recipient's `jsonParam` may be a dict."""
        rows = []
        for r in recipients:
            row = dict(r)
            if isinstance(row.get("jsonParam"), Mapping):
                row["jsonParam"] = orjson.dumps(row["jsonParam"]).decode()
            rows.append(row)
        body = _camel({"recipients": rows, "email": email, "from_name": from_name})
        return self._send("POST", f"/api/v1/message/{message_id}/smartsend", json=body,
                          shape=_results)

    def send_email(self, from_: str, subject: str, html_text: str, emails: Sequence[str],
                   **optional: Any) -> R:
        """Optional: plain_text, amp_html_text, tags, external_request_id,
        skip_personalisation, subscriptions_keys, track_urls. -> results (a list)."""
        body = _camel({"from_": from_, "subject": subject, "html_text": html_text,
                       "emails": list(emails), **optional})
        return self._send("POST", "/api/v1/message/email", json=body, shape=_results)

    def send_sms(self, from_: str, text: str, phone_numbers: Sequence[str] | None = None,
                 group_id: int | None = None, **optional: Any) -> R:
        body = _camel({"from_": from_, "text": text, "phone_numbers": _seq(phone_numbers),
                       "group_id": group_id, **optional})
        return self._send("POST", "/api/v1/message/sms", json=body, shape=_results)

    def send_viber(self, text: str, ios_expirity_text: str,
                   phone_numbers: Sequence[str] | None = None, group_id: int | None = None,
                   **optional: Any) -> R:
        """Optional: from_, ttl_seconds, img, caption, action, tags, external_request_id..."""
        body = _camel({"text": text, "ios_expirity_text": ios_expirity_text,
                       "phone_numbers": _seq(phone_numbers), "group_id": group_id, **optional})
        return self._send("POST", "/api/v1/message/viber", json=body, shape=_results)

    def get_message_status(self, request_ids: Sequence[str]) -> R:
        """-> [{"requestId", "status", "failed", "delivered"}, ...] (always a list)."""
        return self._send("GET", "/api/v1/message/status",
                          params={"ids": ",".join(request_ids)}, shape=_results)


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(bool(value)).lower()


def _seq(value: Sequence[Any] | None) -> list[Any] | None:
    return None if value is None else list(value)


class ESputnik(_Operations[Any], BaseClient):
    """Sync eSputnik client. Extra keyword arguments go to `BaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key


    def _send(self, method: str, path: str, /, *, params: Params | None = None,
              json: Any = None, shape: Shape = _body) -> Any:
        return shape(self._request(method, path, params=params, json=json))


class AsyncESputnik(_Operations[Awaitable[Any]], AsyncBaseClient):
    """Async eSputnik client. Extra keyword arguments go to `AsyncBaseClient`
    (transport, http_client, timeout, retry, sleep)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, **options: Any) -> None:
        super().__init__(base_url, **options)
        self.api_key = api_key


    async def _send(self, method: str, path: str, /, *, params: Params | None = None,
                    json: Any = None, shape: Shape = _body) -> Any:
        return shape(await self._request(method, path, params=params, json=json))
