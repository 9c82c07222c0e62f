"""The plugin as a user's suite meets it (pytester): a wrong request fails its test with the
report, the marker opts out, the option warns, an unmatched host fails, the marker alone fakes."""
from __future__ import annotations

import pytest

# Loaded before any in-process run: pytester drops the modules a run imported, and libyaml's
# C parser cannot be imported twice into one process.
from mailmocks.testing import make_mock

pytest_plugins = ["pytester"]

WRONG_REQUEST = '''
import httpx, pytest

def subscribe(api_key):  # production code: the vendor's URL baked in, a typo'd field
    httpx.post("https://api.convertkit.com/v3/forms/3001/subscribe",
               json={"api_key": api_key, "email": "a@example.com", "first_name": 42,
                     "tags": "vip"})

def test_signup(convertkit_mock):
    subscribe(convertkit_mock.api_key)  # the status is ignored, as careless code does

@pytest.mark.mailmocks(allow_contract_violations=True)
def test_signup_on_purpose(convertkit_mock):
    subscribe(convertkit_mock.api_key)
'''

REPORT = """\
mailmocks: 1 request broke the vendor contract (the real API would reject it):

convertkit add_subscriber_to_form: POST /v3/forms/3001/subscribe -> 422
  body $.first_name: 42 is not of types "null", "string" [type]
  body $.tags: "vip" does not match "^\\s*\\+?0*[1-9][0-9]{0,18}\\s*$" [pattern]
  body:  {"api_key":"[redacted]","email":"a@example.com","first_name":42,"tags":"vip"}

Fix the request, or mark the test @pytest.mark.mailmocks(allow_contract_violations=True) if \
it sends it on purpose."""


def test_a_wrong_request_fails_its_test_with_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_wrong=WRONG_REQUEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "FAILED test_wrong.py::test_signup" in out
    assert REPORT in out
    assert convertkit_secret_absent(out)


def convertkit_secret_absent(out: str) -> bool:
    key: str = make_mock("convertkit").api_key  # type: ignore[attr-defined]
    return key not in out


def test_the_option_turns_it_into_a_warning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_wrong=WRONG_REQUEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider",
                                          "--mailmocks-violations=warn")
    result.assert_outcomes(passed=2, warnings=1)
    assert "ContractViolationWarning" in result.stdout.str()


def test_the_ini_option_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_wrong=WRONG_REQUEST)
    pytester.makeini("[pytest]\nmailmocks_contract_violations = warn\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2,
                                                                           warnings=1)


def test_a_host_nobody_fakes_fails_even_when_the_code_swallows_it(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_unmatched='''
import httpx, requests

def test_swallowed(convertkit_mock):
    try:
        httpx.get("https://api.stripe.com/v1/charges?key=sk_live_1")
    except Exception:
        pass  # careless production code

def test_requests(botamp_mock):
    requests.get("https://api.stripe.com/v1/charges")
''')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert ("mailmocks: GET https://api.stripe.com/v1/charges reached no fake and was not "
            "sent: its host is not faked (faked: api.convertkit.com; passed through: "
            "127.0.0.1, ::1, localhost)") in out
    assert "sk_live_1" not in out
    assert "UnmatchedRequest" in out  # requests: raised at the call


def test_the_marker_alone_fakes_and_loopback_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marker='''
import httpx, pytest
from mailmocks.pytest_plugin import LiveServer
from mailmocks.sandbox import Sandbox

@pytest.mark.mailmocks(apis=["highlevel"])
def test_marker_only():
    r = httpx.get("https://services.leadconnectorhq.com/blogs/site/all")
    assert r.status_code == 401  # the fake's answer: no token

@pytest.mark.mailmocks(apis=["highlevel"])
def test_loopback_passes():
    with LiveServer(Sandbox(["botamp"])) as live:
        assert httpx.get(live.url + "/").status_code == 200

@pytest.mark.mailmocks(apis=["highlevel"])
def test_others_are_not_faked():
    with pytest.raises(AssertionError, match="api.convertkit.com/v3/forms reached no fake"):
        httpx.get("https://api.convertkit.com/v3/forms")

@pytest.mark.mailmocks(intercept=False)
def test_opted_out(convertkit_mock):
    from mailmocks.intercept import patching
    assert patching._router is None
''')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    assert "FAILED test_marker.py::test_others_are_not_faked" in result.stdout.str()


def test_a_failing_test_shows_its_violations_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_both=WRONG_REQUEST.replace(
        "    subscribe(convertkit_mock.api_key)  # the status is ignored, as careless code does",
        "    subscribe(convertkit_mock.api_key)\n    assert False, 'the test itself fails'"))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "the test itself fails" in out
    assert "Captured mailmocks call" in out and "body $.tags" in out


def test_the_plugin_loads_no_engine_until_a_fake_is_asked_for() -> None:
    import subprocess
    import sys

    from mailmocks import pytest_plugin
    from mailmocks.intercept import LOOPBACK

    assert pytest_plugin.LOOPBACK == LOOPBACK  # the plugin's copy, kept light
    probe = ("import sys, mailmocks.pytest_plugin;"
             "print(sorted(m for m in sys.modules if m.startswith(('mailmocks.', 'respx',"
             " 'starlette', 'faker'))))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stdout
    # the registry, and live.py (the standard library only; uvicorn loads when a server starts)
    assert out.strip() == "['mailmocks.apis', 'mailmocks.live', 'mailmocks.pytest_plugin']"


def test_mailmocks_intercept_is_callable_whichever_it_names() -> None:
    import mailmocks
    from mailmocks import intercept as package_or_function
    from mailmocks.intercept import session

    assert callable(mailmocks.intercept) and callable(package_or_function)
    assert isinstance(mailmocks.intercept(["botamp"]), session.Interception)


def test_a_fixture_outside_the_markers_apis_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_apis='''
import pytest

@pytest.mark.mailmocks(apis=["botamp"])
def test_wrong(convertkit_mock):
    pass
''')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert ("convertkit_mock: convertkit is not in the mailmocks marker's apis=['botamp']"
            in result.stdout.str())
