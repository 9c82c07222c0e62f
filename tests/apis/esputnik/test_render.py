"""eSputnik's Velocity: the sandboxed interpreter (mailmocks.apis.esputnik.render.py).

Three things are proved here: template text and data stay data (a corpus of server-side
template injection payloads renders inertly or is refused, directly and through the HTTP send
path, and never creates the canary file); rendering is bounded by the `Budget` (runaway loops,
output growth, nesting, time); and the Velocity that eSputnik templates use keeps working, with
the output airspeed (the engine this replaced) gave, except where airspeed printed Python
(`True`, `['a']`) where Java prints `true`, `[a]`.

Facts: docs/vendors/esputnik.md (sections quoted as §n, assumptions by letter: K).
"""
from __future__ import annotations

import copy
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest

from mailmocks.apis.esputnik.render import (
    MAX_NESTING,
    VelocityError,
    check,
    compile_template,
    render,
)
from mailmocks.clients.base import InvalidRequest
from mailmocks.core import Budget, Limits, RenderLimitError
from mailmocks.testing.esputnik import Mock as EsputnikMock

SENDER = "news@acme-shop.test"
DATA = {"x": "a", "name": "Olena", "list": [1, 2, 3], "m": {"k": "v"}, "flag": True, "n": 1,
        "items": [{"name": "Mug", "qty": 2}]}
PYTHON_LEAKS = ("<class", "<bound", "<built-in", "<function", "<module", "<method", " at 0x",
                "root:x:0", "Traceback", "dict_keys", "dict_items")

# -- the corpus: each must render inertly or be refused; `{canary}` is a file that must never
# appear. The first one is the reported reproduction; with airspeed it ran the command.
PAYLOADS = [
    '$data.containsKey.__globals__.__builtins__.__import__("os").system("touch {canary}")',
    '#set($l = [1])$l.size.__globals__.os.system("touch {canary}")',  # airspeed's own lambdas
    "$data.get.__globals__['__builtins__'].open('{canary}', 'w')",
    "$data.__class__",
    "$data.__class__.__mro__[1].__subclasses__()",
    "$data.get('x').__class__.__mro__",
    "$data.keySet().__iter__",
    "${data.__dict__}",
    "$data.x.equals.__self__",
    "$data.size.__func__",
    "$data.containsKey.__call__('x')",
    "#foreach($i in [1])$foreach.__class__$foreach.index.__class__#end",
    "#foreach($i in $data.list)$i.__class__.__base__$velocityCount.__class__#end",
    '#set($s = "a")$s.__class__',
    "#set($l = [1])$l.__class__",
    '#set($m = {"a": 1})$m.__class__.__init__.__globals__',
    "#set($b = true)$b.__class__",
    "#set($n = 1)$n.__class__.__subclasses__()",
    "#set($r = [1..3])$r.__class__.__reduce__()",
    '#set($x = "a".__class__)',
    "#set($x = [1].__class__)",
    "$data.list[0].__class__",
    "$data['__class__']",
    "${data.x|$data.__class__}",
    "$data.x.__len__() $data.x.__add__('b')",
    "$data.x.upper() $data.x.encode()",
    "$data.x.format('{0.__class__}')",
    '#set($s = "{0.__class__.__mro__}")$s.format($data)',
    '#set($s = "x")$s.join(["a", "b"])',
    "$data.pop('x')",
    "$data.clear()",
    '$data.update({"x": "changed"})',
    "$data.keys() $data.items()",
    "$data.copy()",
    "$data.setdefault('y', 1)",
    "$data.list.append(4) $data.list.pop() $data.list.sort() $data.list.clear()",
    "$data.m.put('k', 'changed') $data.list.add(4) $data.list.set(0, 9)",
    '#set($data.x = "changed")',
    "#set($data.m.k = 'changed')",
    "#set($__class__ = 1)$__class__",
    "#set($__builtins__ = $data)$__builtins__.__import__('os')",
    "$__builtins__ $_data $__import__('os')",
    "#set($x = $data.__class__)$x.__name__",
    '#include("/etc/passwd")',
    "#include('{canary}')",
    '#parse("/etc/passwd")',
    "#parse($data.x)",
    "#evaluate('$data.__class__')",
    '#evaluate("#set($a = 1)")',
    "#define($d)$data.__class__#end$d",
    "#macro(boom)#boom()#end#boom()",
    "#macro(fan $n)#fan($n)#fan($n)#fan($n)#end#fan(1)",
    "#macro(m $a)$a.__class__#end#m($data)",
    "$data.x.replaceAll('(a+)+$', 'b') $data.x.matches('(a+)+b') $data.x.split('(a|a)+')",
    "$data.getClass() $data.class.classLoader",
    "#set($rt = $data.class.forName('java.lang.Runtime'))$rt.getRuntime().exec('touch {canary}')",
    "$data.x.getClass().forName('java.lang.Runtime')",
    "$data.x.toString.__self__ $velocityCount.__class__",
    "#set($s = 'a')#foreach($i in [1..64])#set($s = \"$s$s\")#end$s",
    "#set($n = 9223372036854775807)#set($n = $n * $n)",
    "#set($x = 'x' * 1000000000)",
    "#foreach($i in [1..2000000])#end",
]


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


def test_the_corpus_is_large_enough_and_distinct() -> None:
    assert len(PAYLOADS) >= 40 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_payload_renders_inertly_or_is_refused(payload: str, canary: Path) -> None:
    source = payload.replace("{canary}", str(canary))
    data = copy.deepcopy(DATA)
    started = time.monotonic()
    try:
        out = render(source, data, Budget())
    except (VelocityError, RenderLimitError):
        out = ""
    assert time.monotonic() - started < Limits().seconds + 1.0
    assert not canary.exists()
    assert data == DATA  # nothing a template calls changes the data it sees
    assert not any(leak in out for leak in PYTHON_LEAKS), out[:200]


def test_unknown_and_underscore_members_print_the_reference_as_written() -> None:
    for source in ("$data.__class__", "$data.containsKey.__globals__", "$data.pop('x')",
                   "$data.x.equals.__self__", "$__builtins__", "$data.x.format(1)"):
        assert render(source, dict(DATA)) == source
        assert render(source.replace("$", "$!", 1), dict(DATA)) == ""


def test_refused_directives_name_themselves() -> None:
    for source, directive in [('#include("/etc/passwd")', "#include"), ("#parse('a.vm')", "#parse"),
                              ("#evaluate('$x')", "#evaluate"), ("#define($d)x#end", "#define")]:
        check(source)  # a message holding one can still be saved, as with airspeed
        with pytest.raises(VelocityError, match=f"{directive} is not available"):
            render(source, {})
    with pytest.raises(VelocityError, match="only a variable can be set"):
        render("#set($data.x = 1)", {"x": 0})


# -- through the real HTTP path: create the prepared message, smartsend it, drain the jobs ---
def sends(mock: EsputnikMock, request_id: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = mock.http.get("/_sandbox/sends",
                                              params={"requestId": request_id}).json()["sends"]
    return got


def smartsend(mock: EsputnikMock, html: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """Create a message with `html`, send it to one recipient with `data`; None when the
    message is refused at creation (a syntax error, answered 400 as before)."""
    es = mock.client()
    try:
        mid = es.create_email_message("probe", SENDER, "Hello $!data.get('name')", html)["id"]
    except InvalidRequest as err:
        assert err.status == 400 and "Velocity syntax error" in err.body
        return None
    (result,) = es.smartsend(mid, [{"locator": "olena@example.com",
                                    "jsonParam": orjson.dumps(data).decode()}])
    mock.drain()
    (send,) = sends(mock, result["requestId"])
    return send


def test_the_reported_reproduction_is_inert_over_http(
        esputnik_mock: EsputnikMock, canary: Path) -> None:
    payload = PAYLOADS[0].replace("{canary}", str(canary))
    send = smartsend(esputnik_mock, payload, {"x": "a"})
    assert not canary.exists()
    assert send is not None and send["status"] == "DELIVERED"
    assert send["html"] == payload and send["subject"] == "Hello " and send["error"] is None


def test_every_payload_over_http_ends_inert_or_in_error(esputnik_mock: EsputnikMock,
                                                        canary: Path) -> None:
    esputnik_mock.clock.freeze()
    outcomes = set()
    for payload in PAYLOADS:
        esputnik_mock.advance(1.0)  # stay inside the fake's 200 requests per second
        send = smartsend(esputnik_mock, payload.replace("{canary}", str(canary)), DATA)
        assert not canary.exists(), payload
        if send is None:
            outcomes.add("refused")
            continue
        assert send["status"] in ("DELIVERED", "ERROR"), payload
        assert (send["status"] == "ERROR") == bool(send["error"]), payload
        assert not any(leak in (send["html"] or "") for leak in PYTHON_LEAKS), payload
        outcomes.add(send["status"])
    assert outcomes == {"refused", "DELIVERED", "ERROR"}


def test_a_refused_directive_fails_the_send_with_the_reason(esputnik_mock: EsputnikMock) -> None:
    send = smartsend(esputnik_mock, '<p>#include("/etc/passwd")</p>', {})
    assert send is not None and send["status"] == "ERROR"
    assert "#include is not available" in send["error"] and "root:" not in (send["html"] or "")


# -- limits ----------------------------------------------------------------------------------
RUNAWAY = [
    ("#foreach($i in [1..2000000])x#end", "100,000 loop iterations"),
    ("#foreach($i in [1..2000])#foreach($j in [1..2000])x#end#end", "100,000 loop iterations"),
    ("#foreach($i in $data.list)#foreach($j in [1..100000000])#end#end",
     "100,000 loop iterations"),
    ('#set($s = "0123456789")#foreach($i in [1..40])#set($s = "$s$s")#end$s',
     "output exceeded 2,097,152 characters"),
    ("#set($s = 'xy')#foreach($i in [1..40])#set($s = $s + $s)#end", "output exceeded"),
    ("#set($s = 'abcdefghij')#foreach($i in [1..30])#set($s = $s.replace('a', $s))#end",
     "output exceeded"),
    ("#set($big = [1..300000])$big", "100,000 loop iterations"),
    ("#foreach($i in [1..90000])" + "0123456789" * 10 + "#end", "output exceeded"),
    ("#macro(down $n)#down($n)#end#down(1)", "nesting exceeded 64 levels"),
    ("#macro(deep $n)#if($n)<#deep($n)>#end#end#deep(1)", "nesting exceeded 64 levels"),
]


@pytest.mark.parametrize(("source", "reason"), RUNAWAY)
def test_a_runaway_template_stops_quickly_and_says_which_limit(source: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(RenderLimitError) as info:
        render(source, dict(DATA), Budget())
    assert time.monotonic() - started < Limits().seconds
    assert reason in info.value.reason


def test_a_runaway_send_ends_in_error_with_the_reason(esputnik_mock: EsputnikMock) -> None:
    send = smartsend(esputnik_mock, "<p>#foreach($i in [1..2000000])x#end</p>", {})
    assert send is not None and send["status"] == "ERROR" and send["html"] == ""
    assert send["error"] == ("Velocity rendering stopped: "
                             "template exceeded 100,000 loop iterations and nodes")
    (msg,) = esputnik_mock.outbox.messages("esputnik")
    assert msg.meta["error"] == send["error"] and msg.status == "ERROR"
    assert esputnik_mock.client().get_message_status([msg.meta["requestId"]])[0] == {
        "requestId": msg.meta["requestId"], "status": "ERROR", "failed": True,
        "delivered": False}


def test_subject_and_body_share_one_budget(esputnik_mock: EsputnikMock) -> None:
    org = esputnik_mock.org
    (res,) = esputnik_mock.client().smartsend(3000002, [{"locator": "a@example.org"}])
    org.messages[3000002].subject = "#foreach($i in [1..60000])#end"  # ~60k steps each:
    org.messages[3000002].html = "#foreach($i in [1..60000])#end"  # fine alone, not together
    esputnik_mock.drain()
    assert sends(esputnik_mock, res["requestId"])[0]["status"] == "DELIVERED"  # queued before
    (res,) = esputnik_mock.client().smartsend(3000002, [{"locator": "a@example.org"}])
    esputnik_mock.drain()
    (send,) = sends(esputnik_mock, res["requestId"])
    assert send["status"] == "ERROR" and "loop iterations" in send["error"]
    render("#foreach($i in [1..60000])#end", {})  # each alone is within the budget


def test_each_limit_of_the_budget() -> None:
    with pytest.raises(RenderLimitError, match="exceeded 50 loop iterations"):
        render("#foreach($i in [1..100])x#end", {}, Budget(Limits(steps=50)))
    with pytest.raises(RenderLimitError, match="output exceeded 10 characters"):
        render("#foreach($i in [1..20])x#end", {}, Budget(Limits(output=10)))
    with pytest.raises(RenderLimitError, match="output exceeded 10 characters"):
        render('#set($s = "1234567890$data.x")', {"x": 1}, Budget(Limits(output=10)))  # built
    with pytest.raises(RenderLimitError, match="longer than 0.05 s"):
        render("#foreach($i in [1..100000000])#end", {},
               Budget(Limits(steps=10**12, seconds=0.05)))
    with pytest.raises(RenderLimitError, match="nesting exceeded 3 levels"):
        render("#if(true)#if(true)#if(true)#if(true)x#end#end#end#end", {},
               Budget(Limits(depth=3)))
    assert render("#if(true)#if(true)#if(true)x#end#end#end", {}, Budget(Limits(depth=3))) == "x"
    with pytest.raises(RenderLimitError, match="nesting exceeded 3 levels"):
        render("$data", {"a": {"b": {"c": {"d": 1}}}}, Budget(Limits(depth=3)))


def test_ranges_are_lazy() -> None:
    tracemalloc.start()
    try:
        assert render("#set($r = [1..2000000])$r.size() $r.get(1999999) $r.contains(7)", {}) == (
            "2000000 2000000 true")
        with pytest.raises(RenderLimitError):
            render("#foreach($i in [1..2000000])#end", {}, Budget(Limits(steps=5000)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # 2M ints as a list would be ~70 MB
    assert render("#foreach($i in [3..1])$i#end", {}) == "321"
    with pytest.raises(VelocityError, match="whole numbers"):
        render("#foreach($i in [1..$data.x])#end", {"x": "a"})


@pytest.mark.parametrize("source", [
    "#if(true)" * 2000 + "x" + "#end" * 2000,
    "#foreach($i in [1])" * 2000 + "#end" * 2000,
    "#if(" + "(" * 5000 + "true" + ")" * 5000 + ")y#end",
    "#if(" + "!" * 5000 + "true)y#end",
    "#set($a = " + "[" * 5000 + "]" * 5000 + ")",
    "#set($a = " + '{"k": ' * 5000 + "1" + "}" * 5000 + ")",
    "$data.get(" * 5000 + "1" + ")" * 5000,
    "#macro(m $a)$a#end#m(" + "(" * 5000 + "1" + ")" * 5001,
    '#set($s = "' + "${data.get(" * 5000 + "1" + ")}" * 5000 + '")',
])
def test_deeply_nested_source_is_refused_without_recursion_errors(source: str) -> None:
    with pytest.raises(VelocityError, match=f"at most {MAX_NESTING} levels of nesting"):
        check(source)


def test_long_flat_sources_are_fine() -> None:
    assert render("#set($a = " + "1 + " * 20000 + "1)$a", {}) == "20001"
    assert render("#if(true)x#end" * 5000, {}) == "x" * 5000
    with pytest.raises(VelocityError, match="at most 100,000 template elements"):
        check("$a" * 100_001)


def test_deep_nesting_is_refused_at_creation(esputnik_mock: EsputnikMock) -> None:
    deep = "#if(true)" * 500 + "x" + "#end" * 500  # airspeed: RecursionError, a 500
    err = pytest.raises(InvalidRequest, esputnik_mock.client().create_email_message,
                        "deep", SENDER, "s", deep).value
    assert err.body.startswith("htmlText: Velocity syntax error") and "levels" in err.body


def test_templates_are_parsed_once_per_source() -> None:
    source = "Hello $data.name, #foreach($i in $data.list)$i#end (cached)"
    compile_template.cache_clear()
    assert render(source, DATA) == "Hello Olena, 123 (cached)"
    assert render(source, {"name": "John", "list": []}) == "Hello John,  (cached)"
    check(source)
    info = compile_template.cache_info()
    assert info.misses == 1 and info.hits == 2
    assert compile_template(source) is compile_template(source)


def test_velocity_equals_if_foreach_and_quiet_references() -> None:
    t = ("#if($data.get('x').equals('0'))zero#elseif($data.get('x').equals('1'))one"
         "#{else}other#end|$!data.get('missing')|$data.get('missing')|"
         "#foreach($i in $!data.get('items'))[$velocityCount:$!i.get('name')]#end|"
         "$!data.get('items').get(0).get('name')|$data.get('flag')|$data.get('o').get('n')")
    data = {"x": "0", "items": [{"name": "a"}, {"name": "b"}], "flag": True, "o": {"n": 5}}
    assert render(t, data) == "zero||$data.get('missing')|[1:a][2:b]|a|true|5"
    assert render(t, {"x": "1", "items": []}).startswith("one||$data.get('missing')|||")
    assert render(t, {"x": 0}).startswith("other")  # Integer 0 does not equal "0"
    assert render("$data.get('s').toUpperCase() $data.get('s').length()", {"s": "ab"}) == "AB 2"
    with pytest.raises(VelocityError):
        check("#foreach($a in $b) never closed")


# -- the Velocity eSputnik templates use -----------------------------------------------------
FEATURES: list[tuple[str, dict[str, Any], str]] = [
    ("Hi $data.get('name')! Hi $data.name! ${data.name}s", DATA, "Hi Olena! Hi Olena! Olenas"),
    ("$!data.get('zz')|$data.get('zz')|$!{data.zz}|${data.zz}|${data.zz|'none'}", DATA,
     "|$data.get('zz')||${data.zz}|none"),
    ("#if($data.flag)yes#else no#end #if($data.zero)1#{else}0#end", {"flag": True, "zero": 0},
     "yes 0"),
    ("#if($data.n > 2)big#elseif($data.n == 2)two#{else}small#end", {"n": 2}, "two"),
    ("#if($data.n >= 2 && !$data.e)A#end#if($data.e || $data.z)B#end#if($data.n gt 1 and not "
     "$data.e)C#end#if($data.n eq 2 or $data.x)D#end", {"n": 2, "e": "", "z": None}, "ACD"),
    ("#foreach($i in $data.items)$velocityCount:$i.get('name')x$i.qty#if($velocityHasNext), "
     "#end#end", {"items": [{"name": "a", "qty": 2}, {"name": "b", "qty": 1}]}, "1:ax2, 2:bx1"),
    ("#foreach($i in $data.l)$foreach.index/$foreach.count/$foreach.hasNext/$foreach.first "
     "#end", {"l": ["p", "q"]}, "0/1/true/true 1/2/false/false "),
    ("#foreach($i in [1..5])$i#if($i == 3)#break#end#end after", {}, "123 after"),
    ("#foreach($v in $data.m)$v#end #foreach($k in $data.m.keySet())$k#end", {"m": {"a": 1}},
     "1 a"),
    ("#foreach($i in $data.s)never#end#foreach($i in $data.none)never#end.", {"s": "abc"}, "."),
    ("#set($c = 0)#foreach($i in $data.l)#set($c = $c + $i)#end$c $i", {"l": [1, 2, 3]}, "6 $i"),
    ("#set($x = 5)#set($y = $x * 2 + 1)$y #set($z = ($y - 3) * 2)$z $x", {}, "11 16 5"),
    ("#set($a = 7 / 2)$a #set($b = -7 / 2)$b #set($c = -7 % 3)$c #set($d = 7.0 / 2)$d", {},
     "3 -3 -1 3.5"),
    ('#set($s = "name=$data.name")$s #set($t = \'name=$data.name\')$t', DATA,
     "name=Olena name=$data.name"),
    ('#set($t = "a" + 1 + "b")$t #set($l = [1, "two", [3]])$l $l.size() $l.get(1)', {},
     "a1b [1, two, [3]] 3 two"),
    ('#set($m = {"a": 1, "b": true})$m.a $m.get(\'b\') $m $m.isEmpty()', {},
     "1 true {a=1, b=true} false"),
    ("$data.s.trim()|$data.s.length()|$data.s.toUpperCase()|$data.s.toLowerCase()",
     {"s": " Ab "}, "Ab|4| AB | ab "),
    ("$data.s.startsWith('He') $data.s.endsWith('lo') $data.s.indexOf('l') "
     "$data.s.lastIndexOf('l') $data.s.replace('l', 'L') $data.s.contains('ell')",
     {"s": "Hello"}, "true true 2 3 HeLLo true"),
    ("$data.s.substring(1, 3) $data.s.substring(3) $data.s.charAt(0) $data.s.concat('!') "
     "$data.s.isEmpty() $data.e.isEmpty() $data.e.empty", {"s": "Hello", "e": ""},
     "el lo H Hello! false true true"),
    ("$data.s.equals('Hi') $data.s.equalsIgnoreCase('HI') $data.s.equals(1) $data.n.equals(1) "
     "$data.n.equals('1') $data.f.equals(true)", {"s": "Hi", "n": 1, "f": True},
     "true true false true false true"),
    ("$data.m.containsKey('k') $data.m.containsKey('z') $data.m.size() $data.m.keySet() "
     "$data.m.values() $data.l.contains(2) $data.l.contains('2') $data.l.isEmpty()",
     {"m": {"k": "v", "j": 1}, "l": [1, 2]}, "true false 2 [k, j] [v, 1] true false false"),
    ("$data.l[0] $data.m['k'] $data.l.get(5) $!data.l.get(5) $data.l.get('1')",
     {"l": [1, 2], "m": {"k": "v"}}, "1 v $data.l.get(5)  2"),
    ("$data.n $data.f $data.big $data.tiny $data.t $data.nil", {"n": 3, "f": 1.5, "big": 1e20,
     "tiny": 0.00001, "t": False, "nil": None}, "3 1.5 1.0E20 1.0E-5 false $data.nil"),
    ("#if($data.n == '3')str#end #if($data.t == 'false')bool#end #if($data.n == 3.0)num#end",
     {"n": 3, "t": False}, "str bool num"),
    ("#macro(hello $who)Hello $who!#end#hello('you') #hello($data.name) #hello(\"x$data.n\")",
     {"name": "Olena", "n": 1}, "Hello you! Hello Olena! Hello x1!"),
    ("## comment\nline\n#* block\ncomment *#\nafter #[[$not #if(parsed)]]#", {},
     "line\nafter $not #if(parsed)"),
    ("<table>\n#foreach($i in $data.l)\n<tr><td>$i</td></tr>\n#end\n</table>", {"l": [1, 2]},
     "<table>\n\n<tr><td>1</td></tr>\n\n<tr><td>2</td></tr>\n</table>"),
    ("  #set($x = 1)\n#if($x)\nyes\n#end\ndone", {}, "  yes\ndone"),
    ("color: #fff; \\$data.name \\#if $ 5 $5 #1 # x \\n", {"name": "N"},
     "color: #fff; $data.name #if $ 5 $5 #1 # x \\n"),
    ("$data.name. $data.name.length()x $data.m.k.", {"name": "Ann", "m": {"k": "v"}},
     "Ann. 3x v."),
    ("a#stop b", {}, "a"),
    ("#IF($data.n)x#END #iffy #settle #m() #{nope}", {"n": 1},
     "#IF(1)x#END #iffy #settle #m() #{nope}"),
]


@pytest.mark.parametrize(("source", "data", "expected"), FEATURES)
def test_velocity_features(source: str, data: dict[str, Any], expected: str) -> None:
    assert render(source, data) == expected


@pytest.mark.parametrize(("source", "message"), [
    ("#if($x) no end", "expected #else, #elseif or #end"),
    ("#foreach($a in $b) never closed", "#end closing #foreach"),
    ("stray #end", "closes nothing"),
    ("#if($a)x#else y#elseif($b)z#end", "#end closing #else"),
    ("#set($x = )", "a value"),
    ("#set(x = 1)", "a $name to set"),
    ("$data.get('a'", ", or ) in the argument list"),
    ("${data.x", "} closing ${"),
    ("$data.l[0", "] closing the index"),
    ("#set($x = 'open)", "' closing the string"),
    ("#set($x = 99999999999999999999)", "fits in 64 bits"),
    ("#macro(if)x#end", "macro name that is not a directive"),
    ('#set($s = "#if($a)")', "in a string literal"),
])
def test_invalid_templates_raise_velocity_error(source: str, message: str) -> None:
    with pytest.raises(VelocityError, match="^Velocity syntax error") as info:
        check(source)
    assert message in str(info.value)


@pytest.mark.parametrize(("source", "data", "message"), [
    ("$data.get('a').get(1, 2, 3)", {"a": {}}, "Map.get() takes 1 argument(s), got 3"),
    ("#if($data.n > 'a')x#end", {"n": 1}, "cannot compare Integer > String"),
    ("#set($x = $data.n + $data.none)", {"n": 1}, "cannot apply + to Integer and null"),
    ("#set($x = 1 / 0)", {}, "division by zero"),
    ("$data.s.substring(5)", {"s": "abc"}, "out of range"),
    ("#macro(m $a $b)x#end#m(1)", {}, "#m takes 2 argument(s), got 1"),
])
def test_render_errors_raise_velocity_error(source: str, data: dict[str, Any],
                                            message: str) -> None:
    with pytest.raises(VelocityError, match="^Velocity rendering failed") as info:
        render(source, data)
    assert message in str(info.value)
