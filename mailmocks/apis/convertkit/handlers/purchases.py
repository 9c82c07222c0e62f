"""Purchases (§10): created or updated by `transaction_id`, unwrapped in answers; an unknown
buyer becomes a subscriber (D-11). References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md."""
from __future__ import annotations

from typing import Any

from ....core import Reply, json_reply, op
from .. import errors
from ..jobs import fire
from ..model import (
    EMAIL_RE,
    PER_PAGE,
    ApiCall,
    Purchase,
    body_of,
    envelope,
    find_or_create,
    fire_subscriber,
    parse_time,
    purchase_json,
)
from ..params import INT4, INT8, INTEGER_TEXT, as_int, as_money, as_text, blank
from . import page_of


def purchase_problems(p: dict[str, Any]) -> list[str]:
    """The documented 400's clauses, in the docs' words (assumption D)."""
    problems = [f"{name} can't be blank" for name in
                ("transaction_id", "email_address", "currency")
                if blank(p.get(name))]
    products = p.get("products")
    if not isinstance(products, list) or not products:
        problems.append("products can't be blank")
        return problems
    for item in products:
        if not isinstance(item, dict):
            problems.append("products must be objects")
            continue
        label = item.get("name") or item.get("pid") or "?"
        for key, word in (("unit_price", "Unit price"), ("quantity", "Quantity"),
                          ("name", "Name"), ("pid", "Pid"), ("lid", "Lid")):
            if blank(item.get(key)):
                problems.append(f"{word} can't be blank for product: {label}")
    if isinstance(p.get("email_address"), str) and p["email_address"] and not EMAIL_RE.match(
            p["email_address"].strip()):
        problems.append("email_address is invalid")
    return problems


def _ref(value: Any, name: str) -> int | str:
    """A product or line-item id: yours, an integer or a string (kept as sent)."""
    if isinstance(value, str) and not INTEGER_TEXT.match(value):
        return value.strip()
    number = as_int(value, name, low=-INT8 - 1)  # any bigint, as the contract has it
    assert number is not None  # purchase_problems refused a blank one
    return number


@op("create_purchase")
def create_purchase(call: ApiCall) -> Reply:
    acct, world = call.tenant, call.world
    p = body_of(call).get("purchase")
    if not isinstance(p, dict):
        raise errors.missing_parameters("purchase can't be blank")
    problems = purchase_problems(p)
    if problems:
        raise errors.missing_parameters(", ".join(problems))
    # cast and range-checked like the columns they land in (D-13), all before storing
    products = [{"unit_price": as_money(i["unit_price"], "unit_price"),
                 "quantity": as_int(i["quantity"], "quantity", INT4, -INT4 - 1),
                 "sku": as_text(i.get("sku")), "name": str(i["name"]),
                 "pid": _ref(i["pid"], "pid"), "lid": _ref(i["lid"], "lid")}
                for i in p["products"]]
    # assumption I: money fields that were not sent stay null
    subtotal, tax, shipping, discount, total = (
        as_money(p.get(k), k) for k in ("subtotal", "tax", "shipping", "discount", "total"))
    email = str(p["email_address"]).strip()
    existing = acct.purchases.by("txn", str(p["transaction_id"]))
    when = parse_time(p.get("transaction_time"), "transaction_time") or call.clock.now()
    purchase = Purchase(existing.id if existing else acct.purchases.next_id(),
                        str(p["transaction_id"]), str(p.get("status") or "paid"), email,
                        str(p["currency"]).upper(), when, subtotal, shipping, discount, tax,
                        total, products, p.get("integration"))
    subscriber, _ = find_or_create(world, acct, email, p.get("first_name"), None, "active")
    acct.purchases.put(purchase.id, purchase)  # an existing transaction_id is updated
    shaped = purchase_json(purchase)
    if existing is None:  # an update of a known transaction is not a new purchase
        fire(world, acct, "purchase.purchase_create", shaped)
        for item in products:
            fire_subscriber(world, acct, "subscriber.product_purchase", subscriber, item["pid"])
    return json_reply(201, shaped)


@op("list_purchases")
def list_purchases(call: ApiCall) -> dict[str, Any]:
    page = call.tenant.purchases.page(page_of(call), PER_PAGE)
    return envelope("purchases", page, [purchase_json(p) for p in page.items])


@op("get_purchase")
def get_purchase(call: ApiCall) -> dict[str, Any]:
    p = call.tenant.purchases.get(call.params["purchase_id"])
    if p is None:
        raise errors.not_found()
    return purchase_json(p)
