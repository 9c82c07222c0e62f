"""pytest fixtures: fresh, isolated fakes per test, the vendors' real hosts intercepted.

    def test_signup(mailmocks):                  # every API; or convertkit_mock, botamp_mock...
        my_app.subscribe("a@example.com")        # calls https://api.convertkit.com/v3/...
        mailmocks.convertkit.assert_called("add_subscriber_to_form", times=1)

For every API in the registry, `<api>_mock` (in-process) and `<api>_live` (uvicorn on a free
127.0.0.1 port). While an in-process fake is active, httpx (sync, async, clients made before)
and requests calls to its vendor's hosts reach it; a host nobody fakes fails the test
(loopback passes). Each request is checked against the contract: one the real vendor would
reject fails its test after the call, with a report (`allow_contract_violations=True` on the
`mailmocks` marker opts out; `--mailmocks-violations=warn` turns it into a warning). Responses
are checked too (strict mode): a fake answering off-contract fails the test that caused it.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from . import apis
from .live import LiveServer, free_port

# Only the registry at import: pytest loads this plugin in every process (each xdist worker
# too), so the engine, the vendors and the patching load when a test first asks for a fake.
if TYPE_CHECKING:
    from .intercept import Interception
    from .sandbox import Sandbox
    from .testing import IN_PROCESS_HOST, MockServer, make_mock, mock_for

__all__ = ["IN_PROCESS_HOST", "LiveServer", "MockServer", "free_port", "make_mock", "mock_for"]
_LAZY = {"IN_PROCESS_HOST": "testing", "MockServer": "testing", "make_mock": "testing",
         "mock_for": "testing"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")  # = intercept.LOOPBACK (checked by a test)

INTERCEPTION = pytest.StashKey["Interception"]()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__package__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
MARKER = "mailmocks"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mailmocks")
    group.addoption("--mailmocks-violations", choices=("fail", "warn"), default=None,
                    help="what a request that breaks a vendor contract does to its test "
                         "(default: the ini mailmocks_contract_violations, else fail)")
    parser.addini("mailmocks_contract_violations", "fail or warn (see --mailmocks-violations)",
                  default="fail")
    parser.addini("mailmocks_hosts", "more faked hosts, one host=api a line "
                  "(a self-hosted Parcelvoy: parcelvoy.acme.io=parcelvoy)", type="linelist",
                  default=[])
    parser.addini("mailmocks_passthrough", "hosts sent for real while faking, one a line",
                  type="linelist", default=list(LOOPBACK))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mailmocks(apis=None, intercept=True, allow_contract_violations=False, "
        "hosts={}, passthrough=(), freeze_time=None, rate_limits=True, faults=()): fake these "
        "APIs (all by default) for the test, clock frozen (True: now; or an ISO time), rate "
        "limits off, faults injected ({'api', 'operation', 'status', 'times', 'latency'}), "
        "their real hosts intercepted (and `hosts`: {host: api}); let `passthrough` hosts "
        "through; allow requests that break the contract (for a test that sends them on "
        "purpose)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # the marker alone is enough, like moto's @mock_aws: a test that asks for no fake gets
    # them all (or the marker's `apis`)
    per_api = {f"{name}_mock" for name in apis.names()}
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None or not isinstance(item, pytest.Function):
            continue
        wants = "apis" in marker.kwargs or not per_api & set(item.fixturenames)
        if wants and "mailmocks" not in item.fixturenames:
            item.fixturenames.append("mailmocks")


def _options(node: pytest.Item | pytest.Collector) -> dict[str, Any]:
    marker = node.get_closest_marker(MARKER)
    return dict(marker.kwargs) if marker is not None else {}


def _prepare(box: Sandbox, options: dict[str, Any]) -> Sandbox:
    """What the marker asks of a test's sandbox before the test runs."""
    from .testing.helpers import moment

    services = box.services
    if options.get("freeze_time") is not None:
        at = options["freeze_time"]
        services.clock.freeze(None if at is True else moment(at))
    if options.get("rate_limits", True) is False:
        services.limiter.enabled = False
    for spec in options.get("faults", ()):
        services.faults.add(**spec)
    return box


def _interception(request: pytest.FixtureRequest) -> Interception:
    from .intercept import Interception, parse_hosts

    found: Interception | None = request.node.stash.get(INTERCEPTION, None)
    if found is None:
        config, options = request.config, _options(request.node)
        found = Interception(
            hosts={**parse_hosts(config.getini("mailmocks_hosts")), **options.get("hosts", {})},
            passthrough=[*config.getini("mailmocks_passthrough"),
                         *options.get("passthrough", ())],
            allow_contract_violations=bool(options.get("allow_contract_violations", False)))
        request.node.stash[INTERCEPTION] = found
        request.addfinalizer(found.stop)
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        result = yield
    except BaseException:
        found = item.stash.get(INTERCEPTION, None)
        if found is not None and found.violations():
            from .intercept.report import format_report
            item.add_report_section("call", "mailmocks", format_report(found.violations()))
        raise
    found = item.stash.get(INTERCEPTION, None)
    if found is None:
        return result
    if found.unmatched:
        pytest.fail("\n".join(found.unmatched), pytrace=False)
    if found.allow_contract_violations:
        return result
    violations = found.violations()
    if violations:
        from .intercept.report import ContractViolationWarning, format_report

        report = format_report(violations)
        mode = (item.config.getoption("--mailmocks-violations")
                or item.config.getini("mailmocks_contract_violations"))
        if mode == "warn":
            warnings.warn(ContractViolationWarning(report), stacklevel=1)
        else:
            pytest.fail(report, pytrace=False)
    return result


@pytest.fixture
def mailmocks(request: pytest.FixtureRequest) -> Iterator[Interception]:
    """Every API's fake (or the marker's `apis=[...]`) in one sandbox, their hosts faked:
    `mailmocks.convertkit`, `mailmocks["botamp"]`, ..."""
    from .sandbox import Sandbox
    from .testing import make_mock

    options = _options(request.node)
    box = _prepare(Sandbox(options.get("apis"), strict=True), options)
    found = _interception(request)
    mocks = [make_mock(name, sandbox=box) for name in box.names]
    for mock in mocks:
        found.add(mock)
    if options.get("intercept", True):
        found.start()
    yield found
    for mock in mocks:
        mock.close()


def _fixtures(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def in_process(request: pytest.FixtureRequest) -> Iterator[MockServer]:
        if "mailmocks" in request.fixturenames:  # one sandbox for the test, not two
            shared = request.getfixturevalue("mailmocks")
            if name not in shared.mocks:
                raise pytest.UsageError(f"{name}_mock: {name} is not in the mailmocks "
                                        f"marker's apis={sorted(shared.mocks)}")
            yield shared[name]
            return
        from .testing import make_mock

        options = _options(request.node)
        mock = make_mock(name)
        _prepare(mock.sandbox, options)
        if options.get("intercept", True):
            _interception(request).add(mock)
            _interception(request).start()
        yield mock
        mock.close()

    def live() -> Iterator[MockServer]:
        from .sandbox import Sandbox
        from .testing import make_mock

        box = Sandbox([name], strict=True)
        with LiveServer(box) as server:
            mock = make_mock(name, root=server.url, sandbox=box)
            yield mock
            mock.close()

    in_process.__doc__ = (f"A fresh {name} fake, in-process, its vendor's hosts intercepted; "
                          "requests and responses checked by its contract.")
    live.__doc__ = f"The {name} fake served by uvicorn on a free 127.0.0.1 port."
    return in_process, live


for _name in apis.names():
    _in_process, _live = _fixtures(_name)
    globals()[f"{_name}_mock"] = pytest.fixture(name=f"{_name}_mock")(_in_process)
    globals()[f"{_name}_live"] = pytest.fixture(name=f"{_name}_live")(_live)
