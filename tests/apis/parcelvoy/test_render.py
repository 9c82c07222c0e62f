"""Rendering as Parcelvoy does it (apis/parcelvoy/render.py): its helpers, a message's fields
per channel, the fake's clock in `{{now}}`, and the render limits and template errors as a
preview (422, or the generic 400) and a send (failed, with the reason) see them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from mailmocks.apis.parcelvoy import handlebars as hb
from mailmocks.apis.parcelvoy.render import HELPERS, TemplateError, render, render_message
from mailmocks.core import Budget, RenderLimitError
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock

NOW = datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
GENERIC = {"status": "error", "error": "An error occurred with this request."}


def pv(source: str, context: dict[str, Any] | None = None, now: datetime = NOW) -> str:
    """As Parcelvoy renders a field: its helpers, its clock."""
    return render(source, context or {}, Budget(), now)


# -- Parcelvoy's helpers ----------------------------------------------------------------------
V = {"s": "hello wOrld  x", "n": 3, "f": 2.5, "neg": -2.7, "z": 0, "items": ["a", "b", 3],
     "empty": [], "u": {"name": "ann", "plan": "pro"}, "t": True, "str3": "3",
     "html": "<b>&</b>", "url": "a b&c/?d=é"}


PARCELVOY_HELPERS: list[tuple[str, str]] = [
    # comparison
    ("{{#ifEquals u.plan 'pro'}}PRO{{else}}basic{{/ifEquals}}", "PRO"),
    ("{{#ifEquals n 4}}four{{else}}not{{/ifEquals}}", "not"),
    ("{{compare n '==' str3}} {{compare n '===' 3}} {{compare n '<' 4}} {{compare n '!=' str3}}"
     " {{compare n '>=' f}} {{compare n '??' 3}} {{compare null '==' ''}}",
     "true true true false true false false"),
    ("{{eq n 3}} {{eq n str3}} {{ne n 4}} {{lt n 4}} {{gt n 4}} {{lte n 3}} {{gte f 3}}",
     "true false true true false true false"),
    ("{{and t n}} {{and t z}} {{or z n}} {{or z z}}", "true false true false"),
    ("{{#if (and t (eq u.plan 'pro'))}}yes{{/if}}{{#if (gt n 2)}} big{{/if}}", "yes big"),
    # string
    ("{{append s '!'}}|{{prepend s '>'}}|{{append u.name u.plan}}", "hello wOrld  x!|&gt;hello "
     "wOrld  x|annpro"),
    ("{{capitalize s}}|{{capitalizeAll s}}|{{titleize s}}|{{capitalize u.name}}",
     "Hello wOrld  x|Hello WOrld  X|Hello World  X|Ann"),
    ("{{lowercase s}}|{{uppercase s}}|{{trim '  x  '}}|{{uppercase html}}",
     "hello world  x|HELLO WORLD  X|x|&lt;B&gt;&amp;&lt;/B&gt;"),
    ("{{replace s 'l' 'L'}}|{{replaceFirst s 'l' 'L'}}|{{replace s 'zz' 'L'}}",
     "heLLo wOrLd  x|heLlo wOrld  x|hello wOrld  x"),
    ("{{startsWith 'he' s}} {{startsWith 'x' s}}", "true false"),
    ("{{truncate s 5}}|{{ellipsis s 5}}|{{ellipsis s 50}}|{{truncate html 3}}",
     "hello|hello…|hello wOrld  x|&lt;b&gt;"),
    # number
    ("{{add n 2}} {{add f n}} {{plus n f}} {{subtract n 5}} {{minus f 1}} {{add n str3}}",
     "5 5.5 5.5 -2 1.5 6"),
    ("{{multiply n f}} {{times n 2}} {{divide n 2}} {{divide n 4}} {{divide n z}}",
     "7.5 6 1.5 0.75 Infinity"),
    ("{{remainder n 2}} {{remainder n z}} {{abs neg}} {{ceil f}} {{floor f}}",
     "1 NaN 2.7 3 2"),
    ("{{round f}} {{round neg}} {{round n}} {{add (multiply n 2) 1}}", "3 -3 3 7"),
    # array
    ("{{join items ', '}}|{{join items}}|{{join s}}", "a, b, 3|a,b,3|"),
    ("{{first items}}|{{last items}}|{{first empty}}|{{length items}} {{length s}} {{length u}}",
     "a|3||3 14 0"),
    # url
    ("{{encodeURI url}}|{{{encodeURI url}}}|{{escape url}}",
     "a%20b&amp;c/?d&#x3D;%C3%A9|a%20b&c/?d=%C3%A9|a%20b%26c%2F%3Fd%3D%C3%A9"),
    # date: the caller's clock
    ("{{now}}|{{now 'yyyy-MM-dd'}}|{{now 'dd MMM yy, hh:mm a EEE'}}",
     "2031-05-06 07:08:09|2031-05-06|06 May 31, 07:08 AM Tue"),
]


@pytest.mark.parametrize(("source", "expected"), PARCELVOY_HELPERS,
                         ids=[f"{i:02d}" for i in range(len(PARCELVOY_HELPERS))])
def test_parcelvoy_helpers(source: str, expected: str) -> None:
    assert pv(source, V) == expected


def test_parcelvoy_helpers_with_missing_arguments_render_empty() -> None:
    assert pv("{{uppercase}}|{{append}}|{{truncate}}|{{join}}|{{first}}|{{length}}") == \
        "|||||0"


def test_rounding_nothing_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        pv("{{round 'not a number'}}")


def test_render_message_renders_every_field_of_a_channel() -> None:
    variables = {"user": {"first_name": "Zoé", "email": "z@x.test"}, "event": {"n": 2}}
    out = render_message("email", {"from": {"name": "{{user.first_name}}", "address": "a@x"},
                                   "subject": "Hi {{user.first_name}}",
                                   "html": "<p>{{add event.n 1}}</p>"}, variables, now=NOW)
    assert out == {"from": {"name": "Zoé", "address": "a@x"}, "subject": "Hi Zoé",
                   "html": "<p>3</p>", "text": "3"}
    webhook = render_message("webhook", {"method": "POST", "endpoint": "https://h/{{user.email}}",
                                         "headers": {"X": "{{now 'yyyy'}}"},
                                         "body": {"a": "{{event.n}}", "b": 5}}, variables, now=NOW)
    assert webhook["endpoint"] == "https://h/z@x.test" and webhook["headers"] == {"X": "2031"}
    assert webhook["body"] == {"a": "2", "b": 5}


# -- limits --------------------------------------------------------------------------------
RUNAWAY = ("{{#each items}}{{#each @root.items}}{{#each @root.items}}"
           "{{this}}{{/each}}{{/each}}{{/each}}")


def test_a_helper_chain_doubling_its_output_stops_at_the_output_limit() -> None:
    doubling = "{{#with (append s s)}}" + "{{#with (append this this)}}" * 30 + "{{this}}" + \
        "{{/with}}" * 31
    with pytest.raises(RenderLimitError, match="output exceeded"):
        pv(doubling, {"s": "x" * 1000})
    with pytest.raises(RenderLimitError, match="output exceeded"):
        pv("{{replace s 'a' (append s s)}}", {"s": "a" * 2000})  # 2,000 x 4,000 characters


def test_the_pybars_exploit_through_the_http_path_leaves_no_canary(
        parcelvoy_mock: ParcelvoyMock, tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    payload = f"{{{{[x')or __import__('os').system('touch {canary}')#]}}}}"
    http, auth = parcelvoy_mock.http, {"Authorization": f"Bearer {parcelvoy_mock.secret_key}"}
    r = http.patch("/api/client/templates/3", headers=auth,
                   json={"type": "text", "data": {"text": payload}})
    assert r.status_code == 200 and r.json()["data"]["text"] == payload
    r = http.post("/api/client/templates/3/preview", headers=auth,
                  json={"user": {"first_name": "Ann"}, "event": {}})
    assert (r.status_code, r.json()) == (200, {"text": ""})  # a key nobody has
    parcelvoy_mock.client().trigger_campaign(45, {"external_id": "x1", "phone": "+15550001"}, {})
    parcelvoy_mock.drain()
    [send] = parcelvoy_mock.sends(45)
    assert send.state == "sent"
    assert not canary.exists()


def test_a_preview_over_the_limits_answers_422_with_the_limit(
        parcelvoy_mock: ParcelvoyMock) -> None:
    http, auth = parcelvoy_mock.http, {"Authorization": f"Bearer {parcelvoy_mock.secret_key}"}
    cases = [(RUNAWAY.replace("items", "event.items"), {"items": list(range(100))},
              "template exceeded 100,000 loop iterations and nodes"),
             ("{{#if 1}}" * 100 + "{{/if}}" * 100, {}, "template nesting exceeded 64 levels"),
             ("{{#each event.items}}{{@root.event.s}}{{/each}}",
              {"items": list(range(300)), "s": "x" * 10_000},
              "template output exceeded 2,097,152 characters")]
    for source, event, reason in cases:
        r = http.patch("/api/client/templates/3", headers=auth,
                       json={"type": "text", "data": {"text": source}})
        assert r.status_code == 200
        r = http.post("/api/client/templates/3/preview", headers=auth,
                      json={"user": {}, "event": event})
        assert (r.status_code, r.json()) == (422, {"status": "error", "error": reason})


def test_a_preview_that_does_not_parse_answers_the_generic_400(
        parcelvoy_mock: ParcelvoyMock) -> None:
    http, auth = parcelvoy_mock.http, {"Authorization": f"Bearer {parcelvoy_mock.secret_key}"}
    for broken in ("{{#if a}}never closed", "{{missing 1}}", "{{> partial}}", "{{{{raw}}}}"):
        http.patch("/api/client/templates/3", headers=auth,
                   json={"type": "text", "data": {"text": broken}})
        r = http.post("/api/client/templates/3/preview", headers=auth, json={"user": {}})
        assert (r.status_code, r.json()) == (400, GENERIC)


def test_a_send_over_the_limits_fails_with_the_reason(parcelvoy_mock: ParcelvoyMock) -> None:
    pvc = parcelvoy_mock.client()
    pvc.update_template(3, type="text", data={"text": RUNAWAY.replace(
        "items", "event.data.items")})
    pvc.trigger_campaign(45, {"external_id": "r1", "phone": "+15550002"},
                         {"items": list(range(100))})
    pvc.update_template(4, type="push", data={"title": "{{#if 1}}" * 65 + "{{/if}}" * 65,
                                              "body": "b", "topic": "t"})
    pvc.trigger_campaign(46, {"external_id": "r2", "device_token": "tok"}, {})
    parcelvoy_mock.drain()
    text, push = parcelvoy_mock.sends(45)[0], parcelvoy_mock.sends(46)[0]
    assert (text.state, text.error) == (
        "failed", "template exceeded 100,000 loop iterations and nodes")
    assert (push.state, push.error) == ("failed", "template nesting exceeded 64 levels")
    assert parcelvoy_mock.events("r1")[-1] == "text_failed"
    [failed] = [e for e in parcelvoy_mock.world.events if e.name == "text_failed"]
    assert failed.data["error"] == text.error
    assert parcelvoy_mock.outbox.messages() == []


def test_a_send_whose_template_does_not_parse_fails_with_the_parse_error(
        parcelvoy_mock: ParcelvoyMock) -> None:
    pvc = parcelvoy_mock.client()
    pvc.update_template(3, type="text", data={"text": "Hi {{#if user.x}}"})
    pvc.trigger_campaign(45, {"external_id": "p1", "phone": "+15550003"}, {})
    parcelvoy_mock.drain()
    [send] = parcelvoy_mock.sends(45)
    assert send.state == "failed" and send.error == "Parse error on line 1: if is not closed"


# -- the clock ------------------------------------------------------------------------------
def test_now_renders_the_frozen_clock_in_previews_and_sends(parcelvoy_mock: ParcelvoyMock) -> None:
    parcelvoy_mock.clock.freeze(datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    pvc = parcelvoy_mock.client()
    pvc.update_template(3, type="text", data={"text": "{{now}} / {{now 'yyyy-MM-dd'}}"})
    assert pvc.preview_template(3) == {"text": "2030-01-02 03:04:05 / 2030-01-02"}
    parcelvoy_mock.advance(3600)
    pvc.trigger_campaign(45, {"external_id": "c1", "phone": "+15550004"}, {})
    parcelvoy_mock.drain()
    [msg] = parcelvoy_mock.outbox.messages("parcelvoy", channel="sms")
    assert msg.text.startswith("2030-01-02 04:04:05 / 2030-01-02")


def test_now_needs_the_clock() -> None:
    with pytest.raises(hb.HandlebarsError, match="no clock"):
        hb.render("{{now}}", {}, budget=Budget(), helpers=HELPERS)
