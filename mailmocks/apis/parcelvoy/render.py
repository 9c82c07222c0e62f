"""Handlebars rendering as Parcelvoy does it (render/index.ts, render/Helpers/*).

A real Handlebars engine (pybars3): `{{ }}` HTML-escapes, `{{{ }}}` does not, a missing
variable renders empty. Parcelvoy's own helpers are registered beside the built-ins
(the comparison, string, number, array and URL families and `now`).
"""
from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import pybars

from ...core import iso
from .model import Campaign, Template, User, UserEvent, World

_compiler = pybars.Compiler()
TemplateError = pybars.PybarsError


@functools.lru_cache(maxsize=2048)
def _compiled(source: str) -> Callable[..., Any]:
    return _compiler.compile(source)  # type: ignore[no-any-return]


def render(source: str, variables: dict[str, Any]) -> str:
    """Render one field; raises TemplateError (or a parse error) on a broken template."""
    if not source:
        return ""
    return str(_compiled(source)(_js(variables), helpers=HELPERS))


def _js(value: Any) -> Any:
    """Print numbers the JavaScript way: 3.0 is `3`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _js(v) for k, v in value.items()}
    if type(value) is list:  # not pybars' strlist, which marks a SafeString
        return [_js(v) for v in value]
    return value


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


def render_email(data: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    sender = data.get("from")
    if isinstance(sender, dict):
        sender = {"name": render(str(sender.get("name") or ""), v),
                  "address": render(str(sender.get("address") or ""), v)}
    elif sender is not None:
        sender = render(str(sender), v)
    out: dict[str, Any] = {"from": sender}
    for key in ("reply_to", "cc", "bcc", "subject", "preheader", "html", "text"):
        if data.get(key) is not None:
            out[key] = render(str(data[key]), v)
    if not out.get("text") and out.get("html"):
        out["text"] = html_to_text(out["html"])
    return out


def render_text(data: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    return {"text": render(str(data.get("text") or ""), v)}


def render_push(data: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"title": render(str(data.get("title") or ""), v),
                           "topic": data.get("topic"),
                           "body": render(str(data.get("body") or ""), v),
                           "custom": {k: render(str(x), v)
                                      for k, x in _mapping(data.get("custom")).items()}}
    if data.get("url"):
        out["url"] = render(str(data["url"]), v)
    return out


def render_webhook(data: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    return {"method": data.get("method"), "endpoint": render(str(data.get("endpoint") or ""), v),
            "headers": {k: render(str(x), v) for k, x in _mapping(data.get("headers")).items()},
            "body": {k: render(x, v) if isinstance(x, str) else x
                     for k, x in _mapping(data.get("body")).items()}}


RENDERERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
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


# -- Parcelvoy's helpers (pybars calls them with `this` first) -----------------------------
def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _compare(a: Any, op: str, b: Any) -> bool:
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "==": lambda x, y: x == y or str(x) == str(y), "===": lambda x, y: x == y,
        "!=": lambda x, y: not (x == y or str(x) == str(y)), "!==": lambda x, y: x != y,
        "<": lambda x, y: _num(x) < _num(y), ">": lambda x, y: _num(x) > _num(y),
        "<=": lambda x, y: _num(x) <= _num(y), ">=": lambda x, y: _num(x) >= _num(y)}
    fn = ops.get(op)
    return bool(fn and fn(a, b))


def _if_equals(this: Any, options: Any, a: Any, b: Any) -> Any:
    return options["fn"](this) if a == b else options["inverse"](this)


def _date_format(when: datetime, fmt: str) -> str:
    """The common date-fns tokens."""
    tokens = {"yyyy": "%Y", "yy": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "dd": "%d",
              "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "a": "%p", "EEEE": "%A",
              "EEE": "%a"}
    pattern = re.compile("|".join(sorted(tokens, key=len, reverse=True)))
    return pattern.sub(lambda m: when.strftime(tokens[m.group(0)]), fmt)


def _now(this: Any, fmt: Any = "yyyy-MM-dd HH:mm:ss", *rest: Any) -> str:
    return _date_format(datetime.now(timezone.utc), fmt if isinstance(fmt, str) else
                        "yyyy-MM-dd HH:mm:ss")


def _truncate(this: Any, value: Any, length: Any, *rest: Any) -> str:
    text, n = str(value or ""), int(_num(length)) if not math.isnan(_num(length)) else 0
    return text[:n]


def _ellipsis(this: Any, value: Any, length: Any, *rest: Any) -> str:
    text = str(value or "")
    n = int(_num(length)) if not math.isnan(_num(length)) else len(text)
    return text if len(text) <= n else text[:n] + "…"


def _arith(fn: Callable[[float, float], float]) -> Callable[..., Any]:
    def helper(this: Any, a: Any, b: Any, *rest: Any) -> Any:
        return _js(fn(_num(a), _num(b)))
    return helper


def _one(fn: Callable[[float], float]) -> Callable[..., Any]:
    def helper(this: Any, a: Any, *rest: Any) -> Any:
        return _js(float(fn(_num(a))))
    return helper


def _join(this: Any, items: Any, sep: Any = ",", *rest: Any) -> str:
    if not isinstance(items, list):
        return ""
    return (sep if isinstance(sep, str) else ",").join(str(_js(i)) for i in items)


HELPERS: dict[str, Callable[..., Any]] = {
    # comparison
    "ifEquals": _if_equals,
    "compare": lambda this, a, op, b, *r: _compare(a, op, b),
    "eq": lambda this, a, b, *r: a == b, "ne": lambda this, a, b, *r: a != b,
    "lt": lambda this, a, b, *r: _num(a) < _num(b), "gt": lambda this, a, b, *r: _num(a) > _num(b),
    "lte": lambda this, a, b, *r: _num(a) <= _num(b),
    "gte": lambda this, a, b, *r: _num(a) >= _num(b),
    "and": lambda this, *a: all(a), "or": lambda this, *a: any(a),
    # string
    "append": lambda this, s, suffix, *r: f"{s or ''}{suffix or ''}",
    "prepend": lambda this, s, prefix, *r: f"{prefix or ''}{s or ''}",
    "capitalize": lambda this, s, *r: str(s or "")[:1].upper() + str(s or "")[1:],
    "capitalizeAll": lambda this, s, *r: " ".join(w[:1].upper() + w[1:]
                                                  for w in str(s or "").split(" ")),
    "lowercase": lambda this, s, *r: str(s or "").lower(),
    "uppercase": lambda this, s, *r: str(s or "").upper(),
    "trim": lambda this, s, *r: str(s or "").strip(),
    "replace": lambda this, s, a, b, *r: str(s or "").replace(str(a), str(b)),
    "replaceFirst": lambda this, s, a, b, *r: str(s or "").replace(str(a), str(b), 1),
    "titleize": lambda this, s, *r: str(s or "").title(),
    "startsWith": lambda this, prefix, s, *r: str(s or "").startswith(str(prefix)),
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
    "first": lambda this, items, *r: items[0] if isinstance(items, list) and items else None,
    "last": lambda this, items, *r: items[-1] if isinstance(items, list) and items else None,
    "length": lambda this, items, *r: len(items) if isinstance(items, list | str) else 0,
    # url
    "encodeURI": lambda this, s, *r: quote(str(s or ""), safe="~@#$&()*!+=:;,?/'"),
    "escape": lambda this, s, *r: quote(str(s or ""), safe="~()*!'"),
    # date
    "now": _now,
}
