"""One API checked: schemathesis' engine over the contract against a target.

The engine runs the phases `schemathesis run` runs (examples, coverage, fuzzing, stateful over
the contract's links) in-process; this module sets it up from the vendor's data (the same
`mailmocks.checks` helpers the contract tests use) and turns its events into an `ApiResult`.
Every request is tallied by a hook as it is answered, so the counts cover every phase.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.engine import Status, events, from_schema

from .. import apis, checks
from ..core import Api, Contract
from .credentials import mask
from .phases import DEFAULT_EXAMPLES, PHASES
from .results import JUDGES_THE_ANSWER, ApiResult, Finding
from .targets import Target


class ContractError(ValueError):
    """The contract file does not load (YAML, or OpenAPI schemathesis cannot read)."""


@dataclass
class Settings:
    max_examples: int = DEFAULT_EXAMPLES
    seed: int | None = None
    phases: Sequence[str] = PHASES
    checks: Sequence[str] | None = None  # None: every check schemathesis has
    read_only: bool | None = None  # None: only when the target is not a mailmocks fake
    contract: str | None = None  # another contract file than the bundled one


@dataclass
class _Run:
    """The run the global hooks report to (one at a time)."""

    api: Api[Any, Any]
    target: Target
    result: ApiResult


_CURRENT: list[_Run] = []


@schemathesis.hook("before_call")
def _before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Generated ids pointed at records the fake has (the vendor's `pin_generated`); a
    server we do not own keeps what was generated."""
    run = _CURRENT[-1] if _CURRENT else None
    if run is not None and run.target.sandbox is not None:
        checks.pin(run.api, run.target.sandbox.world(run.api.name), case)


@schemathesis.hook("after_call")
def _after_call(ctx: Any, case: Any, response: Any) -> None:
    if not _CURRENT:
        return
    run = _CURRENT[-1]
    op = run.result.operation(case.operation.label)
    op.requests += 1
    op.statuses[int(response.status_code)] += 1
    run.target.after_call()


def safe_operations(api: Api[Any, Any], contract: Contract) -> list[str]:
    """GET/HEAD, and the lookups by POST the vendor names in `checks.read_only`."""
    return [oid for oid, op in contract.operations.items()
            if op.safe or oid in api.checks.read_only]


def safe_routes(api: Api[Any, Any], contract: Contract) -> Callable[[str, str], bool]:
    """Whether (method, URL path) is a safe operation of the contract: the read-only guard."""
    from .journal import Routes
    routes = Routes(contract)
    safe = set(safe_operations(api, contract))

    def allowed(method: str, path: str) -> bool:
        if method.upper() in ("GET", "HEAD", "OPTIONS"):
            return True
        for start in range(len(path)):  # the base URL's own prefix is not in the contract
            if path[start] == "/":
                found = routes.match(method, path[start:])
                if found is not None and found[0].id in safe:
                    return True
        return False
    return allowed


def load(api: Api[Any, Any], settings: Settings) -> tuple[Contract, Any]:
    path = settings.contract
    try:
        contract = Contract.from_file(path) if path else api.contract
        schema = checks.load_schema(api, path)
    except Exception as exc:  # yaml, OSError, schemathesis' own: all one line for the user
        where = path or api.contract_file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ContractError(f"contract {where} does not load: {first}") from None
    return contract, schema


def run_api(target: Target, settings: Settings, progress: Callable[[str], None],
            loaded: tuple[Contract, Any] | None = None) -> ApiResult:
    """Check one API; `loaded` is what `load` returned, when the caller has it already."""
    api = apis.load(target.api)
    contract, schema = loaded or load(api, settings)
    read_only = (not target.is_mailmocks) if settings.read_only is None else settings.read_only
    result = ApiResult(target.api, target.kind, target.base_url, read_only)
    if read_only:
        selected = safe_operations(api, contract)
        if not selected:
            result.errors.append("no safe operation to check read-only")
            return result
        schema = schema.include(operation_id=selected)
        # no probe with another method either: PUT on a GET-only path may write somewhere
        schema.config.phases.coverage.unexpected_methods = {"get", "options"}
        if target.forwarder is not None:  # and a guard, should anything still try
            target.forwarder.allow_only(safe_routes(api, contract))
    schema.app = target.app
    schema.config.update(base_url=target.base_url)
    if target.forwarder is not None:  # its 429 waits happen inside one call
        schema.config.update(request_timeout=target.forwarder.max_wait + 35)
    schema.config.output.sanitization.enabled = False  # secrets are masked here (see mask)
    schema.config.generation.update(max_examples=settings.max_examples)
    schema.config.phases.update(phases=list(settings.phases))
    if settings.seed is not None:
        schema.config.seed = settings.seed
    result.seed = int(schema.config.seed)  # printed, so a failing run can be replayed
    checks.configure_checks(schema, api, settings.checks)
    checks.register_auth(schema, api, target.credentials, contract)
    # the fixtures' keys are public and make the curls work as printed; others are masked
    secrets = {} if target.sandbox is not None else target.credentials()

    for found in schema.get_all_operations():  # each selected one, called or not
        try:
            result.operation(found.ok().label)
        except Exception as exc:  # an operation schemathesis cannot read: the run fails
            result.errors.append(f"operation not checked: {str(exc).splitlines()[0]}")
    started = time.monotonic()
    run = _Run(api, target, result)
    _CURRENT.append(run)
    try:
        for event in from_schema(schema).execute():
            _take(event, result, secrets, progress)
    finally:
        _CURRENT.remove(run)
    result.seconds = time.monotonic() - started
    if target.forwarder is not None:
        result.waited = target.forwarder.waits.answers
        result.waited_seconds = target.forwarder.waits.seconds
        result.errors.extend(sorted(set(target.forwarder.errors))[:5])
    return result


def _take(event: events.EngineEvent, result: ApiResult, secrets: dict[str, str],
          progress: Callable[[str], None]) -> None:
    if isinstance(event, events.ScenarioFinished):
        _record(event, result, secrets)
        if event.label and event.status != Status.SKIP:
            op = result.operations.get(event.label)
            sent = op.requests if op else 0
            mark = {Status.SUCCESS: "ok", Status.FAILURE: "FAILED",
                    Status.ERROR: "ERROR"}.get(event.status, str(event.status))
            progress(f"  {event.phase.value:<9} {event.label:<55} {sent:>5} sent  {mark}")
    elif isinstance(event, events.PhaseFinished) and event.phase.name.value == "stateful":
        if event.status != Status.SKIP:
            progress(f"  stateful  {'links between operations':<55} {'':>5}       "
                     f"{'ok' if event.status == Status.SUCCESS else str(event.status)}")
    elif isinstance(event, events.NonFatalError):
        title = event.info.title
        message = event.info.message.strip().splitlines()
        line = f"{event.label}: {title}" + (f": {message[0]}" if message else "")
        if line not in result.errors:
            result.errors.append(line)
    elif isinstance(event, events.FatalError):
        result.errors.append(f"schemathesis stopped: {event.exception}")


def _record(event: events.ScenarioFinished, result: ApiResult, secrets: dict[str, str]) -> None:
    recorder = event.recorder
    known = {(f.operation, f.check, f.title, f.message) for f in result.findings}
    for case_id, nodes in recorder.checks.items():
        node_case = recorder.cases.get(case_id)
        if node_case is None:
            continue
        label = node_case.value.operation.label
        op = result.operation(label)
        for node in nodes:
            count = op.check(node.name)
            if node.status == Status.SUCCESS:
                count.passed += 1
                continue
            if node.status != Status.FAILURE or node.failure_info is None:
                continue
            response = recorder.interactions.get(case_id)
            status = response.response.status_code if response and response.response else None
            if status == 429 and node.name not in JUDGES_THE_ANSWER:
                result.limited_failures += 1  # the limit was hit; no finding about the API
                continue
            count.failed += 1
            failure = node.failure_info.failure
            key = (label, node.name, failure.title, _first_lines(failure.message))
            if key in known:
                continue
            known.add(key)
            steps = node.failure_info.steps
            curl = "\n".join(s.curl for s in steps) if steps else node.failure_info.code_sample
            result.findings.append(Finding(label, node.name, failure.title, key[3],
                                           mask(curl, secrets, result.api),
                                           event.phase.value))


def _first_lines(message: str, lines: int = 6) -> str:
    """What a failure says, without the schema dump schemathesis appends."""
    kept = []
    for line in message.strip().splitlines()[:lines]:
        if line.startswith("Schema"):
            break
        kept.append(line)
    return "\n".join(kept)
