"""Handlebars rendering as Parcelvoy does it (render/index.ts, render/Helpers/*).

The engine is our own interpreter of Handlebars (the `handlebars` subpackage): `{{ }}`
HTML-escapes, `{{{ }}}` does not, a missing variable renders empty, and a stored template can
never run code. Parcelvoy's own helpers are registered beside the built-ins (the comparison,
string, number, array and URL families and `now`), each a function of the call's `Options`
(see handlebars/). One message renders all its fields under one `Budget`; `now` is the fake's
clock, passed in by the caller.
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ...core import Budget, RenderLimitError, iso
from . import handlebars
from .handlebars import HandlebarsError, Options, SafeString, js_str
from .model import Campaign, Template, User, UserEvent, World

TemplateError = HandlebarsError  # a template that does not parse or throws while rendering

__all__ = ["RENDERERS", "RenderLimitError", "SafeString", "TemplateError", "render",
           "render_message"]


def render(source: str, variables: Mapping[str, Any], budget: Budget, now: datetime) -> str:
    """Render one field; raises TemplateError, or RenderLimitError past the budget."""
    if not source:
        return ""
    return handlebars.render(source, variables, budget=budget, helpers=HELPERS,
                             env={"now": now})


Field = Callable[[str], str]  # renders one field of a message


def render_message(channel: str, data: dict[str, Any], variables: Mapping[str, Any], *,
                   now: datetime, budget: Budget | None = None) -> dict[str, Any]:
    """Render every field a channel renders, all under one budget (one message, one render)."""
    spent = budget if budget is not None else Budget()

    def field(source: str) -> str:
        return render(source, variables, spent, now)
    return RENDERERS[channel](data, field)


# -- the render variables (render/index.ts) ------------------------------------------------
def flatten_user(user: User) -> dict[str, Any]:
    """`user` in templates: data keys first, then the columns; `id` is the external id."""
    return {**user.data, "email": user.email, "phone": user.phone, "id": user.external_id,
            "external_id": user.external_id, "created_at": iso(user.created_at),
            "locale": user.locale, "timezone": user.timezone}


def event_record(event: UserEvent | None) -> dict[str, Any]:
    if event is None:
        return {}
    stamp = iso(event.created_at)
    return {"id": event.id, "project_id": event.project_id, "user_id": event.user_id,
            "name": event.name, "data": event.data, "created_at": stamp, "updated_at": stamp}


def send_context(campaign: Campaign, template: Template, reference_type: str | None,
                 reference_id: str) -> dict[str, Any]:
    return {"campaign_id": campaign.id, "campaign_name": campaign.name,
            "campaign_type": campaign.type, "template_id": template.id,
            "channel": campaign.channel, "subscription_id": campaign.subscription_id,
            "reference_type": reference_type, "reference_id": reference_id}


def choose_template(world: World, templates: list[Template], locale: str | None,
                    project_locale: str | None) -> Template | None:
    """Exact locale, then its language root, then the project's locale likewise, then first."""
    if not templates:
        return None
    for wanted in (locale, project_locale):
        if not wanted:
            continue
        for t in templates:
            if t.locale == wanted:
                return t
        root = wanted.split("-")[0]
        for t in templates:
            if t.locale.split("-")[0] == root:
                return t
    return templates[0]


# -- what each channel renders (its template's `data`) -------------------------------------
def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def render_email(data: dict[str, Any], r: Field) -> dict[str, Any]:
    sender = data.get("from")
    if isinstance(sender, dict):
        sender = {"name": r(str(sender.get("name") or "")),
                  "address": r(str(sender.get("address") or ""))}
    elif sender is not None:
        sender = r(str(sender))
    out: dict[str, Any] = {"from": sender}
    for key in ("reply_to", "cc", "bcc", "subject", "preheader", "html", "text"):
        if data.get(key) is not None:
            out[key] = r(str(data[key]))
    if not out.get("text") and out.get("html"):
        out["text"] = html_to_text(out["html"])
    return out


def render_text(data: dict[str, Any], r: Field) -> dict[str, Any]:
    return {"text": r(str(data.get("text") or ""))}


def render_push(data: dict[str, Any], r: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"title": r(str(data.get("title") or "")),
                           "topic": data.get("topic"),
                           "body": r(str(data.get("body") or "")),
                           "custom": {k: r(str(x))
                                      for k, x in _mapping(data.get("custom")).items()}}
    if data.get("url"):
        out["url"] = r(str(data["url"]))
    return out


def render_webhook(data: dict[str, Any], r: Field) -> dict[str, Any]:
    return {"method": data.get("method"), "endpoint": r(str(data.get("endpoint") or "")),
            "headers": {k: r(str(x)) for k, x in _mapping(data.get("headers")).items()},
            "body": {k: r(x) if isinstance(x, str) else x
                     for k, x in _mapping(data.get("body")).items()}}


RENDERERS: dict[str, Callable[[dict[str, Any], Field], dict[str, Any]]] = {
    "email": render_email, "text": render_text, "push": render_push, "webhook": render_webhook}


def template_problem(channel: str, data: dict[str, Any]) -> str | None:
    """The template's own validation (what each channel needs before it can send)."""
    if channel == "email":
        sender = data.get("from")
        has_from = (isinstance(sender, dict) and bool(sender.get("address"))) or (
            isinstance(sender, str) and bool(sender))
        missing = [k for k, ok in (("from.address", has_from),
                                   ("subject", bool(data.get("subject"))),
                                   ("html", bool(data.get("html")))) if not ok]
    elif channel == "text":
        missing = [] if data.get("text") else ["text"]
    elif channel == "push":
        missing = [k for k in ("title", "topic", "body") if not data.get(k)]
    else:
        missing = [k for k in ("method", "endpoint") if not data.get(k)]
    return f"Template is missing {', '.join(missing)}" if missing else None


_TAG = re.compile(r"<[^>]+>")


def html_to_text(markup: str) -> str:
    text = re.sub(r"(?is)<(script|style|head)[^>]*>.*?</\1>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", text)
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


# -- Parcelvoy's helpers --------------------------------------------------------------------
# Each is `helper(h: Options) -> value` (handlebars/): `h.arg(i)` is the i-th argument or
# None, `h.this` the context, `h.fn`/`h.inverse` the block's parts, `h.env["now"]` the clock.
def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value: Any) -> str:
    """A string argument: its JavaScript text, empty for a falsy value (as `value || ""`)."""
    return js_str(value) if value else ""


def _loose_eq(x: Any, y: Any) -> bool:
    """`==` the way the port always did it: equal, or equal as text (null only to null)."""
    if x is None or y is None:
        return x is y
    return bool(x == y) or js_str(x) == js_str(y)


def _compare(a: Any, op: Any, b: Any) -> bool:
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "==": _loose_eq, "===": lambda x, y: x == y,
        "!=": lambda x, y: not _loose_eq(x, y), "!==": lambda x, y: x != y,
        "<": lambda x, y: _num(x) < _num(y), ">": lambda x, y: _num(x) > _num(y),
        "<=": lambda x, y: _num(x) <= _num(y), ">=": lambda x, y: _num(x) >= _num(y)}
    fn = ops.get(op) if isinstance(op, str) else None
    return bool(fn and fn(a, b))


def _if_equals(h: Options) -> str:
    return h.fn(h.this) if h.arg(0) == h.arg(1) else h.inverse(h.this)


def _date_format(when: datetime, fmt: str) -> str:
    """The common date-fns tokens."""
    tokens = {"yyyy": "%Y", "yy": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "dd": "%d",
              "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "a": "%p", "EEEE": "%A",
              "EEE": "%a"}
    pattern = re.compile("|".join(sorted(tokens, key=len, reverse=True)))
    return pattern.sub(lambda m: when.strftime(tokens[m.group(0)]), fmt)


def _now(h: Options) -> str:
    """`now(format = 'yyyy-MM-dd HH:mm:ss')` at the fake's clock (the caller's `now`)."""
    when = h.env.get("now")
    if not isinstance(when, datetime):
        raise TemplateError("now: no clock was given to this render")
    fmt = h.arg(0)
    return _date_format(when, fmt if isinstance(fmt, str) else "yyyy-MM-dd HH:mm:ss")


def _length_arg(value: Any, default: int) -> int:
    n = _num(value)
    return default if math.isnan(n) or math.isinf(n) else int(n)


def _truncate(h: Options) -> str:
    return _text(h.arg(0))[:_length_arg(h.arg(1), 0)]


def _ellipsis(h: Options) -> str:
    text = _text(h.arg(0))
    n = _length_arg(h.arg(1), len(text))
    return text if len(text) <= n else text[:n] + "…"


def _replace(count: int) -> Callable[[Options], str]:
    """`replace s a b` (every `a`) or `replaceFirst`; no `a` (or an empty one) leaves `s`."""
    def helper(h: Options) -> str:
        text, a = _text(h.arg(0)), h.arg(1)
        if a is None or a == "":
            return text
        old, new = js_str(a), js_str(h.arg(2))
        times = text.count(old) if count < 0 else min(count, text.count(old))
        if len(text) + times * (len(new) - len(old)) > h.limits.output:
            raise RenderLimitError(
                f"template output exceeded {h.limits.output:,} characters")
        return text.replace(old, new, count)
    return helper


def _arith(fn: Callable[[float, float], float]) -> Callable[[Options], float]:
    def helper(h: Options) -> float:
        return fn(_num(h.arg(0)), _num(h.arg(1)))
    return helper


def _one(fn: Callable[[float], float]) -> Callable[[Options], float]:
    def helper(h: Options) -> float:
        return float(fn(_num(h.arg(0))))
    return helper


def _join(h: Options) -> str:
    items, sep = h.arg(0), h.arg(1, ",")
    if not isinstance(items, list):
        return ""
    return (sep if isinstance(sep, str) else ",").join(js_str(i) for i in items)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


HELPERS = handlebars.helpers({
    # comparison
    "ifEquals": _if_equals,
    "compare": lambda h: _compare(h.arg(0), h.arg(1), h.arg(2)),
    "eq": lambda h: h.arg(0) == h.arg(1), "ne": lambda h: h.arg(0) != h.arg(1),
    "lt": lambda h: _num(h.arg(0)) < _num(h.arg(1)),
    "gt": lambda h: _num(h.arg(0)) > _num(h.arg(1)),
    "lte": lambda h: _num(h.arg(0)) <= _num(h.arg(1)),
    "gte": lambda h: _num(h.arg(0)) >= _num(h.arg(1)),
    "and": lambda h: all(h.args), "or": lambda h: any(h.args),
    # string
    "append": lambda h: _text(h.arg(0)) + _text(h.arg(1)),
    "prepend": lambda h: _text(h.arg(1)) + _text(h.arg(0)),
    "capitalize": lambda h: _text(h.arg(0))[:1].upper() + _text(h.arg(0))[1:],
    "capitalizeAll": lambda h: " ".join(w[:1].upper() + w[1:]
                                        for w in _text(h.arg(0)).split(" ")),
    "lowercase": lambda h: _text(h.arg(0)).lower(),
    "uppercase": lambda h: _text(h.arg(0)).upper(),
    "trim": lambda h: _text(h.arg(0)).strip(),
    "replace": _replace(-1), "replaceFirst": _replace(1),
    "titleize": lambda h: _text(h.arg(0)).title(),
    "startsWith": lambda h: h.arg(0) is not None and _text(h.arg(1)).startswith(
        js_str(h.arg(0))),
    "truncate": _truncate, "ellipsis": _ellipsis,
    # number
    "add": _arith(lambda a, b: a + b), "plus": _arith(lambda a, b: a + b),
    "subtract": _arith(lambda a, b: a - b), "minus": _arith(lambda a, b: a - b),
    "multiply": _arith(lambda a, b: a * b), "times": _arith(lambda a, b: a * b),
    "divide": _arith(lambda a, b: a / b if b else math.inf),
    "remainder": _arith(lambda a, b: math.fmod(a, b) if b else math.nan),
    "abs": _one(abs), "ceil": _one(math.ceil), "floor": _one(math.floor),
    "round": _one(lambda a: math.floor(a + 0.5)),
    # array
    "join": _join,
    "first": lambda h: _items(h.arg(0))[0] if _items(h.arg(0)) else None,
    "last": lambda h: _items(h.arg(0))[-1] if _items(h.arg(0)) else None,
    "length": lambda h: len(h.arg(0)) if isinstance(h.arg(0), list | str) else 0,
    # url
    "encodeURI": lambda h: quote(_text(h.arg(0)), safe="~@#$&()*!+=:;,?/'"),
    "escape": lambda h: quote(_text(h.arg(0)), safe="~()*!'"),
    # date
    "now": _now,
})
