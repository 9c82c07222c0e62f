"""The Handlebars interpreter (apis/parcelvoy/handlebars/).

A corpus of server-side template injection payloads that must render inertly or be refused,
never running anything (checked with a canary file and a Python audit hook); the Handlebars
semantics, construct by construct (the expected outputs are handlebars.js 4.7.8's); custom
helpers; and the engine's limits (steps, output, nesting, time). Parcelvoy's own helpers, its
messages and the limits seen through previews and sends are in test_render.py.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from mailmocks.apis.parcelvoy import handlebars as hb
from mailmocks.apis.parcelvoy.render import HELPERS, render
from mailmocks.core import Budget, Limits, RenderLimitError

NOW = datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def hbs(source: str, context: Any = None, limits: Limits | None = None) -> str:
    """The bare engine: built-in helpers only."""
    return hb.render(source, context, budget=Budget(limits or Limits()))


def pv(source: str, context: dict[str, Any] | None = None, now: datetime = NOW) -> str:
    """As Parcelvoy renders a field: its helpers, its clock."""
    return render(source, context or {}, Budget(), now)


# -- the audit hook: rendering never compiles, execs, imports, opens or spawns -------------
FORBIDDEN_EVENTS = ("exec", "compile", "import", "open", "os.system", "os.exec", "os.fork",
                    "os.posix_spawn", "os.spawn", "os.startfile", "subprocess.Popen", "pty.spawn",
                    "ctypes.", "socket.", "builtins.input", "object.__getattr__",
                    "object.__setattr__", "object.__delattr__", "code.__new__",
                    "function.__new__", "sys._getframe", "marshal.", "pickle.", "shutil.",
                    "os.remove", "os.rename", "os.mkdir", "os.chmod")


_watch: dict[str, Any] = {"thread": None, "seen": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watch["thread"] == threading.get_ident() and event.startswith(FORBIDDEN_EVENTS):
        _watch["seen"].append((event, repr(args)[:200]))


sys.addaudithook(_audit)  # process-wide and permanent; it only records while a test watches


@contextmanager
def watched() -> Iterator[list[tuple[str, str]]]:
    """Record the forbidden audit events this thread raises inside the block."""
    seen: list[tuple[str, str]] = []
    _watch["seen"] = seen
    _watch["thread"] = threading.get_ident()
    try:
        yield seen
    finally:
        _watch["thread"] = None


# -- the injection corpus --------------------------------------------------------------------
class Secret:
    """A Python object that got into the variables: it must read as empty, never be asked."""

    name = "leaked"

    def __str__(self) -> str:
        raise AssertionError("the engine called __str__ on a non-data object")

    def __getattr__(self, item: str) -> Any:
        raise AssertionError(f"the engine read the attribute {item!r}")


def context(canary: Path) -> dict[str, Any]:
    return {"user": {"name": "Ann", "tags": ["a", "b"], "data": {"plan": "pro"}},
            "items": [1, 2, 3], "s": "text", "obj": Secret(), "canary": str(canary),
            "fn": print, "cls": dict, "mod": sys}


PY = "__import__('os').system('touch {c}')"
# (template, expected): the exact output, or the error class it must be refused with


CORPUS: list[tuple[str, str | type[Exception]]] = [
    # Python-object traversal: every segment is a dict key or a list index, nothing else
    ("{{__class__}}", ""),
    ("{{this.__class__}}", ""),
    ("{{this.__class__.__mro__}}", ""),
    ("{{this.__class__.__mro__.[1].__subclasses__}}", ""),
    ("{{[__globals__]}}", ""),
    ("{{this.[__globals__]}}", ""),
    ("{{user.__dict__}}", ""),
    ("{{user.__init__.__globals__}}", ""),
    ("{{user.__class__.__base__.__subclasses__}}", ""),
    ("{{lookup this \"__class__\"}}", ""),
    ("{{lookup (lookup this \"__class__\") \"__mro__\"}}", ""),
    ("{{user.keys}}{{user.items}}{{user.get}}{{user.values}}", ""),
    ("{{items.pop}}{{items.__len__}}{{items.[-1]}}{{items.append}}", ""),
    ("{{s.upper}}{{s.format}}{{s.__add__}}{{s.[__class__]}}", ""),
    ("{{@root.__class__}}{{@__class__}}{{@_parent}}{{@root.__dict__}}", ""),
    ("{{../../../__class__}}{{../../user.__class__}}", ""),
    ("{{#with user}}{{__class__}}{{../__class__}}{{/with}}", ""),
    ("{{#each user}}{{__class__}}{{@key.__class__}}{{/each}}", ""),
    ("{{#with s as |x|}}{{x.__class__}}{{x.__len__}}{{/with}}", ""),
    ("{{\"{0.__class__}\"}}{{'%s'}}", ""),  # a literal where a name goes is just a key
    ("{{constructor}}{{__proto__}}{{toString}}{{hasOwnProperty}}", ""),
    ("{{this.constructor.constructor}}", ""),
    # Python objects that got into the data read as empty, without being touched
    ("{{obj}}{{obj.name}}{{obj.__class__.__name__}}{{{obj}}}", ""),
    ("{{#with obj}}{{name}}{{else}}none{{/with}}", "none"),
    ("{{#each obj}}{{@key}}{{else}}none{{/each}}", "none"),
    ("{{lookup obj \"name\"}}{{fn}}{{fn.__self__}}{{cls}}{{mod.modules}}", ""),
    ("{{uppercase obj}}{{append obj obj}}{{join obj}}", ""),
    # pybars-style source injection: a bracketed segment is a key name and nothing else
    ("{{[x')or " + PY + "#]}}", ""),
    ("{{user.[x')or " + PY + "#]}}", ""),
    ("{{#with [x')or " + PY + "#]}}y{{else}}n{{/with}}", "n"),
    ("{{#each [a'] + " + PY + " + ['b]}}x{{/each}}", hb.HandlebarsError),
    ("{{[\\]')]; " + PY + "#]}}", hb.HandlebarsError),
    ("{{lookup this \"x')or " + PY + "#\"}}", ""),
    # quotes, `')`, `#` and newlines in string literals and hash values are text
    ("{{{uppercase \"x')or " + PY + "#\"}}}", ("X')OR " + PY + "#").upper()),
    ("{{uppercase \"x')or\"}}", "X&#x27;)OR"),
    ("{{lowercase 'x\")or __IMPORT__(\"OS\")#'}}", "x&quot;)or __import__(&quot;os&quot;)#"),
    ("{{append \"a\\\"b')#\" \"\n'); " + PY + " #\"}}",
     "a&quot;b&#x27;)#\n&#x27;); __import__(&#x27;os&#x27;).system(&#x27;touch {c}&#x27;) #"),
    ("{{{append \"\\\\\" \"')#\"}}}", hb.HandlebarsError),  # \" escapes: unterminated '
    ("{{{append \"a\\\" b\" \"')#\"}}}", "a\" b')#"),
    ("{{{join user.tags \"')#" + PY + "\"}}}", "a')#" + PY + "b"),
    ("{{lookup this sep=\"')#" + PY + "\"}}", ""),
    ("{{{now \"yyyy %s %n {0} ')\"}}}", "2031 %s %n {0} ')"),  # user text never meets strftime
    # helper-name injection: only registered helpers are callable
    ("{{__import__ \"os\"}}", hb.HandlebarsError),
    ("{{eval \"1+1\"}}", hb.HandlebarsError),
    ("{{eval}}{{exec}}{{getattr}}{{globals}}{{locals}}{{vars}}{{open}}", ""),
    ("{{exec \"import os\"}}", hb.HandlebarsError),
    ("{{getattr this \"__class__\"}}", hb.HandlebarsError),
    ("{{open \"/etc/passwd\"}}", hb.HandlebarsError),
    ("{{compile \"x\" \"y\" \"exec\"}}", hb.HandlebarsError),
    ("{{uppercase (__import__ \"os\")}}", hb.HandlebarsError),
    ("{{#__import__ \"os\"}}{{system \"touch {c}\"}}{{/__import__}}", hb.HandlebarsError),
    ("{{system \"touch {c}\"}}", hb.HandlebarsError),
    ("{{user.name.upper 1}}", hb.HandlebarsError),
    ("{{fn \"x\"}}{{cls 1}}", hb.HandlebarsError),
    # partials, decorators and raw blocks: refused (no partial exists; a block falls back)
    ("{{> x}}", hb.HandlebarsError),
    ("{{> (lookup this \"__class__\")}}", hb.HandlebarsError),
    ("{{#> layout}}body{{/layout}}", "body"),
    ("{{#*inline \"x\"}}y{{/inline}}{{> x}}", hb.HandlebarsError),
    ("{{*decorator}}", hb.HandlebarsError),
    ("{{{{raw}}}}{{x}}{{{{/raw}}}}", hb.HandlebarsError),
    # deep nesting and runaway work: refused by the budget, not by a RecursionError
    ("{{#if 1}}" * 10_000 + "x" + "{{/if}}" * 10_000, RenderLimitError),
    ("{{uppercase " + "(uppercase " * 10_000 + "s" + ")" * 10_000 + "}}", RenderLimitError),
    ("{{#if a}}" + "{{else if b}}" * 10_000 + "{{/if}}", RenderLimitError),
    ("((((" * 2_500, "((((" * 2_500),  # parentheses outside a mustache are text
    ("{{" + "((((" * 2_500 + "}}", hb.HandlebarsError),
    ("{{#each items}}{{#each @root.items}}{{#each @root.items}}{{#each @root.items}}"
     "{{#each @root.items}}{{#each @root.items}}{{#each @root.items}}{{#each @root.items}}"
     "{{#each @root.items}}{{#each @root.items}}{{#each @root.items}}x{{/each}}{{/each}}"
     "{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}",
     RenderLimitError),
    ("{{replace (append s s) \"\" s}}", "texttext"),  # an empty pattern changes nothing
]


@pytest.mark.parametrize(("payload", "expected"), CORPUS,
                         ids=[f"{i:02d}" for i in range(len(CORPUS))])
def test_injection_payloads_render_inert_or_are_refused(
        payload: str, expected: str | type[Exception], tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    source = payload.replace("{c}", str(canary))
    variables = context(canary)
    outcome: str | Exception
    with watched() as events:
        try:
            outcome = pv(source, variables)
        except (hb.HandlebarsError, RenderLimitError) as exc:
            outcome = exc
    assert events == []  # no compile, exec, import, open, spawn or attribute hook fired
    assert not canary.exists()
    if isinstance(expected, str):
        assert outcome == expected.replace("{c}", str(canary)).replace("{C}",
                                                                        str(canary).upper())
    else:
        assert isinstance(outcome, expected), outcome


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


def test_a_bracketed_segment_is_a_key_name() -> None:
    key = "x')or __import__('os').system('touch /tmp/pwned')#"
    assert hbs("{{[" + key + "]}}", {key: "inert"}) == "inert"
    assert hbs("{{user.[a b].[c.d]}}", {"user": {"a b": {"c.d": "ok"}}}) == "ok"
    assert hbs("{{[a\\]b]}}", {"a]b": "escaped bracket"}) == "escaped bracket"


def test_hostile_numbers_and_indexes_are_template_data_not_crashes() -> None:
    digits = "9" * 5000  # past Python's int() limit for text
    assert hbs("{{items.[" + digits + "]}}|{{lookup items " + digits + "}}", {"items": [1]}) == "|"
    assert hbs("{{#each o}}{{@key}},{{/each}}", {"o": {digits: 1, "3": 2}}) == f"3,{digits},"
    assert hbs("{{a}} {{b}} {{c}} {{d}}", {"a": 10**400, "b": 2**53 + 1, "c": 10**30,
                                           "d": 123456789012345680000}) == \
        "Infinity 9007199254740992 1e+30 123456789012345680000"
    assert hbs("{{lookup items x}}{{lookup items 1.0}}", {"items": [1, 2], "x": 10**400}) == "2"


def test_keys_starting_with_underscores_are_ordinary_dict_keys() -> None:
    data = {"__class__": "c", "_private": "p", "__init__": {"__globals__": "g"}}
    assert hbs("{{__class__}} {{_private}} {{__init__.__globals__}}", data) == "c p g"
    assert hbs("{{lookup this \"__class__\"}}", data) == "c"


def test_only_data_is_reachable_from_a_template() -> None:
    assert hb.get({"a": 1}, "a") == 1 and hb.get([5, 6], "1") == 6 and hb.get([5], 0) == 5
    assert hb.get("abc", "length") == 3 and hb.get([1, 2], "length") == 2
    for obj, key in ((Secret(), "name"), ({"a": Secret()}, "a"), ([print], "0"), (dict, "get"),
                     ("abc", "upper"), ({"a": 1}, "keys"), ([1], "pop"), (1, "real")):
        assert hb.get(obj, key) is None


def test_the_helper_table_refuses_builtins_and_bad_names() -> None:
    for name in ("if", "each", "lookup", "true", "a.b", "x y", "", "../x"):
        with pytest.raises(ValueError):
            hb.helpers({name: lambda h: None})
    assert set(HELPERS) >= {"ifEquals", "now", "add", "join", "encodeURI"}
    with pytest.raises(TypeError):
        HELPERS["eval"] = eval  # type: ignore[index]  # read-only


# -- Handlebars semantics (expected outputs checked against handlebars.js 4.7.8) -----------
G = {"goodbyes": [{"text": "goodbye"}, {"text": "Goodbye"}, {"text": "GOODBYE"}],
     "world": "world"}


SEMANTICS: list[tuple[str, Any, str]] = [
    # text, escaping, raw
    ("Goodbye\n{{cruel}}\n{{world}}!", {"cruel": "cruel", "world": "world"},
     "Goodbye\ncruel\nworld!"),
    ("{{awesome}}", {"awesome": "&\"'`\\<>="}, "&amp;&quot;&#x27;&#x60;\\&lt;&gt;&#x3D;"),
    ("{{awesome}}", {"awesome": "Escaped, <b> looks like: &lt;b&gt;"},
     "Escaped, &lt;b&gt; looks like: &amp;lt;b&amp;gt;"),
    ("{{{awesome}}}|{{&awesome}}|{{~{awesome}~}}", {"awesome": "&'\\<>"},
     "&'\\<>|&'\\<>|&'\\<>"),
    ("\\{{foo}} {{foo}} \\\\{{foo}}", {"foo": "F"}, "{{foo}} F \\F"),
    ("num: {{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
     {"a": 0, "b": False, "c": None, "d": 2.0, "e": 0.1, "f": 1e21}, "num: 0 false  2 0.1 1e+21"),
    ("{{list}}|{{obj}}|{{nan}}", {"list": [1, [2, None], "x"], "obj": {"a": 1},
                                  "nan": float("nan")}, "1,2,,x|[object Object]|NaN"),
    # comments
    ("{{! Goodbye}}a{{!-- b }} c --}}d", {}, "ad"),
    ("    {{~! comment ~}}      blah", {}, "blah"),
    ("    {{!-- long-comment --~}}      blah", {}, "    blah"),
    ("a\n  {{! standalone }}\nb", {}, "a\nb"),
    # whitespace control and standalone lines
    (" {{~foo~}} ", {"foo": "bar<"}, "bar&lt;"),
    (" {{~foo}} ", {"foo": "bar<"}, "bar&lt; "),
    ("1\n{{foo~}} \n\n 23\n{{bar}}4", {}, "1\n23\n4"),
    (" {{~#if foo~}} bar {{~/if~}} ", {"foo": 1}, "bar"),
    ("{{#if foo~}} bar {{~else~}} baz {{~/if}}", {}, "baz"),
    ("<ul>\n  {{#each a}}\n    <li>{{.}}</li>\n  {{else}}\n    <li>none</li>\n  {{/each}}\n</ul>",
     {"a": [1, 2]}, "<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>"),
    ("<ul>\n  {{#each a}}\n    <li>{{.}}</li>\n  {{else}}\n    <li>none</li>\n  {{/each}}\n</ul>",
     {"a": []}, "<ul>\n    <li>none</li>\n</ul>"),
    ("{{#if a}}\r\nA\r\n{{/if}}\r\n", {"a": 1}, "A\r\n"),
    # paths
    ("{{alan/expression}} {{alan.expression}}", {"alan": {"expression": "beautiful"}},
     "beautiful beautiful"),
    ("{{foo-bar}} {{foo.foo-bar}}", {"foo-bar": "baz", "foo": {"foo-bar": "qux"}}, "baz qux"),
    ("{{[foo bar]}} {{\"foo bar\"}} {{'foo bar'}} {{[@alan]/x}}",
     {"foo bar": "b", "@alan": {"x": "y"}}, "b b b y"),
    ("{{person.name}}|{{person.name.first}}|{{missing.deep.path}}|", {"person": {"name": None}},
     "|||"),
    ("{{.}}{{length}} {{this}}", "bye", "bye3 bye"),
    ("{{#hellos}}{{this/text}}{{this.text}}{{./text}}{{/hellos}}",
     {"hellos": [{"text": "h"}, {"text": "H"}]}, "hhhHHH"),
    ("{{[this]}} {{text/[this]}}", {"this": "bar", "text": {"this": "baz"}}, "bar baz"),
    ("{{items.[1]}} {{items.1.x}} {{items.length}} {{s.length}} {{s.[1]}}",
     {"items": [{"x": 1}, {"x": 2}], "s": "abc"}, "[object Object] 2 2 3 b"),
    # ../ is the parent context (blocks that keep the context do not count)
    ("{{#with foo}}{{#if goodbye}}GOODBYE cruel {{../world}}!{{/if}}{{/with}}",
     {"foo": {"goodbye": True}, "world": "world"}, "GOODBYE cruel world!"),
    ("{{#each a}}{{#each b}}{{../n}}{{/each}}|{{/each}}",
     {"a": [{"n": "x", "b": [1, 2]}, {"n": "y", "b": [3]}]}, "xx|y|"),
    ("{{../x}}", {"x": 1}, ""),
    # @data
    ("{{#each goodbyes}}{{@index}}. {{text}}! {{/each}}cruel {{world}}!", G,
     "0. goodbye! 1. Goodbye! 2. GOODBYE! cruel world!"),
    ("{{#each goodbyes}}{{@index}}. {{text}}! {{#each ../goodbyes}}{{@index}} {{/each}}After "
     "{{@index}} {{/each}}{{@index}}cruel {{world}}!", G,
     "0. goodbye! 0 1 2 After 0 1. Goodbye! 0 1 2 After 1 2. GOODBYE! 0 1 2 After 2 cruel world!"),
    ("{{#each a}}{{@first}}/{{@last}}/{{@index}}/{{@key}} {{/each}}", {"a": [5, 6]},
     "true/false/0/0 false/true/1/1 "),
    ("{{#each o}}{{@key}}={{.}},{{/each}}", {"o": {"b": 1, "10": 2, "a": 3, "2": 4, "01": 5}},
     "2=4,10=2,b=1,a=3,01=5,"),  # JavaScript key order
    ("{{#each o}}{{#if @first}}first:{{/if}}{{@key}}{{#if @last}}:last{{/if}} {{/each}}",
     {"o": {"x": 1, "y": 2}}, "first:x y:last "),
    ("{{#each a}}{{#each b}}{{@../index}}{{@index}} {{/each}}{{/each}}",
     {"a": [{"b": [1, 2]}, {"b": [1]}]}, "00 01 10 "),
    ("{{@root.foo}}{{#each a}}{{@root.foo}}{{#with ../w}}{{@root.foo}}{{/with}}{{/each}}",
     {"foo": "F", "a": [1], "w": {"x": 1}}, "FFF"),
    # literals
    ("{{\"foo\"}} {{12}} {{true}} {{false}} {{null}}",
     {"foo": "bar", "12": "twelve", "false": "f", "null": "n"}, "bar twelve  f n"),
    ("{{#if true}}y{{/if}}{{#if false}}n{{/if}}{{#if 0}}n{{/if}}{{#if -1.5}}y{{/if}}"
     "{{#if null}}n{{/if}}{{#if undefined}}n{{/if}}{{#if \"\"}}n{{/if}}{{#if 'x'}}y{{/if}}",
     {}, "yyy"),
    ("{{lookup a 1}} {{lookup a \"0\"}} {{lookup o 'k'}}", {"a": ["p", "q"], "o": {"k": "v"}},
     "q p v"),
    # if / unless / else chains
    ("{{#if goodbye}}GOODBYE {{/if}}cruel {{world}}!", {"goodbye": ["foo"], "world": "w"},
     "GOODBYE cruel w!"),
    ("{{#if goodbye}}GOODBYE {{/if}}cruel {{world}}!", {"goodbye": [], "world": "w"},
     "cruel w!"),
    ("{{#if goodbye}}Y{{else}}N{{/if}} {{#if goodbye includeZero=true}}Y{{else}}N{{/if}}",
     {"goodbye": 0}, "N Y"),
    ("{{#if o}}Y{{/if}}{{#if s}}Y{{/if}}", {"o": {}, "s": ""}, "Y"),
    ("{{#unless a}}none{{else}}some{{/unless}} {{#unless b}}none{{else}}some{{/unless}}",
     {"a": 0, "b": "x"}, "none some"),
    ("{{#if a}}A{{else if b}}B{{else if c}}C{{else}}D{{/if}}", {"c": 1}, "C"),
    ("{{#if a}}A{{else if b}}B{{else if c}}C{{else}}D{{/if}}", {}, "D"),
    ("{{#if a}}\n  A\n{{else if b}}\n  B\n{{else}}\n  D\n{{/if}}\nend", {"b": 1}, "  B\nend"),
    ("{{#if a}}A{{^}}not A{{/if}} {{^a}}inverted{{/a}}", {}, "not A inverted"),
    ("{{#each a}}{{.}}{{else if b}}B{{else}}none{{/each}}", {"a": [], "b": 1}, "B"),
    # each over lists and dicts, with else and block parameters
    ("{{#each goodbyes}}{{text}}! {{else}}none{{/each}}", {"goodbyes": []}, "none"),
    ("{{#each goodbyes}}{{text}}! {{else}}none{{/each}}", {}, "none"),
    ("{{#each .}}{{.}}{{/each}}", {"goodbyes": "cruel", "world": "world"}, "cruelworld"),
    ("{{#each s}}x{{else}}a string does not iterate{{/each}}", {"s": "abc"},
     "a string does not iterate"),
    ("{{#each a as |v i|}}{{i}}={{v}} {{/each}}{{#each o as |v k|}}{{k}}={{v}} {{/each}}",
     {"a": ["p", "q"], "o": {"x": 1}}, "0=p 1=q x=1 "),
    ("{{#each a as |v i|}}{{#each ../a as |w j|}}{{i}}{{j}} {{/each}}{{/each}}",
     {"a": [1, 2]}, "00 01 10 11 "),
    # with
    ("{{#with person}}{{first}} {{last}}{{/with}}", {"person": {"first": "Al", "last": "J"}},
     "Al J"),
    ("{{#with person}}present{{else}}not present{{/with}}", {}, "not present"),
    ("{{#with person as |p|}}{{p.first}} {{last}}{{/with}}",
     {"person": {"first": "Al", "last": "J"}}, "Al J"),
    # implicit blocks (blockHelperMissing)
    ("{{#goodbye}}GOODBYE {{/goodbye}}cruel", {"goodbye": True}, "GOODBYE cruel"),
    ("{{#goodbye}}GOODBYE {{/goodbye}}cruel", {"goodbye": False}, "cruel"),
    ("{{#goodbyes}}{{text}} {{/goodbyes}}", G, "goodbye Goodbye GOODBYE "),
    ("{{#person}}{{name}}{{/person}}", {"person": {"name": "Ann"}}, "Ann"),
    # subexpressions and hash arguments
    ("{{lookup (lookup a \"b\") \"c\"}}", {"a": {"b": {"c": "deep"}}}, "deep"),
    ("{{#with (lookup a \"b\")}}{{c}}{{/with}}", {"a": {"b": {"c": "in"}}}, "in"),
    ("{{#each (lookup a \"b\")}}{{.}}{{/each}}", {"a": {"b": [1, 2]}}, "12"),
    ("{{lookup ../a 1}}{{#each goodbyes}}{{lookup ../data @index}}{{/each}}",
     {"goodbyes": [0, 1], "data": ["foo", "bar"]}, "foobar"),
    # log, missing helpers and values
    ("{{log blah}}{{log \"x\" 1 level=\"error\"}}{{log}}", {"blah": "whee"}, ""),
    ("{{missing}}{{missing a=1}}{{#missing}}x{{/missing}}|", {}, "|"),
]


@pytest.mark.parametrize(("source", "data", "expected"), SEMANTICS,
                         ids=[f"{i:02d}" for i in range(len(SEMANTICS))])
def test_handlebars_semantics(source: str, data: Any, expected: str) -> None:
    assert hbs(source, data) == expected


@pytest.mark.parametrize(("source", "message"), [
    ("{{foo", "unexpected 'foo'"),
    ("{{foo}}}", "expected '}}'"),
    ("{{{foo}}", "expected '}}}'"),
    ("{{#foo}}", "foo is not closed"),
    ("{{#a}}{{/b}}", "a doesn't match b"),
    ("{{/foo}}", "closes no block"),
    ("{{else}}", "unexpected {{else}}"),
    ("{{#if a}}{{else}}{{else}}{{/if}}", "unexpected {{else}}"),
    ("{{#if a}}{{else}}{{else if b}}{{/if}}", "unexpected {{else ...}}"),
    ("{{text/this/foo}}", "Invalid path: text/this"),
    ("{{foo bar=}}", "expected a name"),
    ("{{foo \"bar}}", "unterminated"),
    ("{{!-- never closed", "unterminated comment"),
    ("line 1\nline 2 {{#each}}", "line 2"),
    ("{{#if}}x{{/if}}", "#if requires exactly one argument"),
    ("{{#if a b}}x{{/if}}", "#if requires exactly one argument"),
    ("{{#with}}x{{/with}}", "#with requires exactly one argument"),
    ("{{#each}}x{{/each}}", "Must pass iterator to #each"),
    ("{{if a}}", "block helper"),
    ("{{missing 1}}", 'Missing helper: "missing"'),
    ("{{#missing 1}}x{{/missing}}", 'Missing helper: "missing"'),
    ("{{foo 1}}", '"foo" is not a helper'),
    ("{{> header}}", "The partial header could not be found"),
])
def test_templates_that_handlebars_refuses(source: str, message: str) -> None:
    with pytest.raises(hb.HandlebarsError, match=message.replace("(", r"\(").replace(
            "{", r"\{").replace("}", r"\}").replace(".", r"\.").replace("*", r"\*")):
        hbs(source, {"a": 1, "foo": "x"})


def test_whitespace_control_strips_only_once() -> None:
    assert hbs(" {{~foo~}} {{foo}} {{foo}} ", {"foo": "bar"}) == "barbar bar "


def test_partial_blocks_render_their_fallback_in_their_context() -> None:
    assert hbs("{{#> layout person title=t}}{{name}}: {{title}}{{/layout}}",
               {"person": {"name": "Ann"}, "t": "Dr"}) == "Ann: Dr"
    assert hbs("{{#if false}}{{> never}}{{/if}}ok") == "ok"  # only a rendered partial fails


def test_parsing_is_cached_by_source() -> None:
    source = "{{a}} cached {{b}}"
    assert hb.parse(source) is hb.parse(source)
    assert hbs(source, {"a": 1, "b": 2}) == "1 cached 2"


# -- custom helpers (the Options convention) ------------------------------------------------
def _shout(h: hb.Options) -> str:
    return hb.js_str(h.arg(0)).upper() + hb.js_str(h.hash.get("end", ""))


def _twice(h: hb.Options) -> str:
    return h.fn(h.this) + h.fn({"n": h.arg(0)}) if h.block else "not a block"


def _pick(h: hb.Options) -> str:
    return h.fn() if h.arg(0) else h.inverse()


def _safe(h: hb.Options) -> hb.SafeString:
    return hb.SafeString(hb.js_str(h.arg(0)))


def _boom(h: hb.Options) -> None:
    raise ZeroDivisionError("bad")


CUSTOM = hb.helpers({"shout": _shout, "twice": _twice, "pick": _pick, "safe": _safe,
                     "boom": _boom, "env": lambda h: h.env.get("who"), "this": lambda h: 1})


def custom(source: str, data: Any = None) -> str:
    return hb.render(source, data, budget=Budget(), helpers=CUSTOM, env={"who": "env"})


def test_custom_helpers_get_args_hash_this_and_env() -> None:
    assert custom("{{shout name end=\"!\"}} {{shout (shout name)}}", {"name": "<ann>"}) == \
        "&lt;ANN&gt;! &lt;ANN&gt;"
    assert custom("{{safe \"<b>\"}} {{shout}} {{env}}") == "<b>  env"
    assert custom("{{twice 2}}") == "not a block"


def test_custom_block_helpers_have_fn_and_inverse() -> None:
    assert custom("{{#twice 7}}[{{n}}]{{/twice}}", {"n": 1}) == "[1][7]"
    assert custom("{{#pick a}}yes {{b}}{{else}}no {{b}}{{/pick}}", {"a": 1, "b": "B"}) == "yes B"
    assert custom("{{#pick a}}yes{{else}}no {{b}}{{/pick}}", {"a": 0, "b": "B"}) == "no B"
    assert custom("{{#each items}}{{#pick .}}{{@index}}{{../x}}{{/pick}}{{/each}}",
                  {"items": [1, 0, 1], "x": "!"}) == "0!2!"


def test_a_failing_helper_is_a_template_error() -> None:
    with pytest.raises(hb.HandlebarsError, match='helper "boom" failed: bad'):
        custom("{{boom}}")


def test_scoped_paths_never_call_helpers() -> None:
    assert custom("{{this.shout}} {{./shout}} {{shout}}", {"shout": "value"}) == "value value "


# -- limits --------------------------------------------------------------------------------
RUNAWAY = ("{{#each items}}{{#each @root.items}}{{#each @root.items}}"
           "{{this}}{{/each}}{{/each}}{{/each}}")


def test_a_runaway_loop_stops_within_the_step_budget() -> None:
    items = list(range(200))  # 8 million iterations if nothing stopped it
    budget = Budget()
    started = time.monotonic()
    with pytest.raises(RenderLimitError, match="100,000 loop iterations and nodes"):
        hb.render(RUNAWAY, {"items": items}, budget=budget)
    assert budget.steps == budget.limits.steps + 1
    assert time.monotonic() - started < budget.limits.seconds


def test_huge_output_stops_at_the_output_limit() -> None:
    budget = Budget(Limits(output=10_000))
    with pytest.raises(RenderLimitError, match="output exceeded 10,000 characters"):
        hb.render("{{#each items}}{{@root.s}}{{/each}}", {"items": list(range(100)),
                                                           "s": "x" * 500}, budget=budget)
    assert budget.output <= 10_000 + 500


def test_nesting_is_refused_at_parse_time_without_recursion() -> None:
    started = time.monotonic()
    for source in ("{{#if 1}}" * 10_000, "{{#each a}}" * 65 + "{{/each}}" * 65,
                   "{{lookup " + "(lookup " * 10_000 + "a",
                   "{{#if a}}" + "{{else if a}}" * 100 + "{{/if}}"):
        with pytest.raises(RenderLimitError, match="nesting exceeded 64 levels"):
            hb.parse(source)
    assert time.monotonic() - started < 1.0
    assert hbs("{{#if 1}}" * 64 + "deep" + "{{/if}}" * 64) == "deep"
    with pytest.raises(RenderLimitError, match="nesting exceeded 3 levels"):
        hbs("{{#if 1}}{{#if 1}}{{#if 1}}{{#if 1}}x{{/if}}{{/if}}{{/if}}{{/if}}",
            limits=Limits(depth=3))


def test_the_wall_time_limit() -> None:
    with pytest.raises(RenderLimitError, match="took longer than 0 s"):
        hbs("{{#each items}}{{this}}{{/each}}", {"items": list(range(1000))},
            limits=Limits(seconds=0))
