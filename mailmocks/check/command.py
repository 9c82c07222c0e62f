"""`mailmocks check`: its flags, and one run over the APIs asked for (exit 0, 1 or 2)."""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from .. import apis

USAGE, FAILED = 2, 1


def add_command(sub: argparse._SubParsersAction[Any]
                ) -> argparse.ArgumentParser:
    from .phases import DEFAULT_EXAMPLES, PHASES
    parser: argparse.ArgumentParser = sub.add_parser(
        "check", help="contract checks (schemathesis) against a fake or any server",
        description="Check that a server answers as its contract says: schemathesis' phases "
                    "(examples, coverage, fuzzing, stateful over the contract's links) in one "
                    "command. By default each API's fake runs in-process (no socket). Exit 0 "
                    "only when nothing failed and every selected operation got an answer "
                    "other than 429.",
        epilog="Credentials for --base-url: --credential NAME=VALUE or MAILMOCKS_<API>_<NAME> "
               "in the environment, NAME a security scheme of the API's contract or the "
               "parameter it names (HTTP Basic as user:password); without one the check "
               "says which it takes.")
    parser.add_argument("apis", nargs="*", metavar="API",
                        help=f"the APIs to check (default: all of {', '.join(apis.names())})")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--base-url", metavar="URL",
                       help="check this server instead of the fake: the API's base URL, e.g. "
                            "http://127.0.0.1:8025/convertkit or https://api.convertkit.com "
                            "(read-only unless it is a mailmocks sandbox; one API)")
    where.add_argument("--serve", action="store_true",
                       help="serve the fake on a free 127.0.0.1 port and check it over HTTP")
    where.add_argument("--journal", metavar="FILE",
                       help="validate the requests of an ndjson journal (GET "
                            "/_admin/journal?format=ndjson) against the contracts instead")
    parser.add_argument("--credential", action="append", default=[], metavar="NAME=VALUE",
                        help="a credential for --base-url, by security scheme name "
                             "(repeatable)")
    ro = parser.add_mutually_exclusive_group()
    ro.add_argument("--read-only", dest="read_only", action="store_true", default=None,
                    help="send only safe operations (GET, and lookups the vendor documents "
                         "as idempotent); the default for a server that is not a fake")
    ro.add_argument("--all-operations", dest="read_only", action="store_false",
                    help="send writes too, even to a server that is not a fake")
    parser.add_argument("--max-examples", type=int, default=DEFAULT_EXAMPLES, metavar="N",
                        help=f"generated cases per operation and phase (default "
                             f"{DEFAULT_EXAMPLES})")
    parser.add_argument("--seed", type=int, default=None, help="seed for reproducible data")
    parser.add_argument("--phases", default=",".join(PHASES), metavar="LIST",
                        help=f"comma-separated, of {', '.join(PHASES)} (default: all)")
    parser.add_argument("--checks", default=None, metavar="LIST",
                        help="comma-separated schemathesis checks (default: all, minus those "
                             "the vendor's documented behaviour excludes)")
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument("--no-rate-limit", dest="rate_limit", action="store_false",
                        default=False,
                        help="the fake's limiter off: the default for the fake, --serve and "
                             "a mailmocks sandbox at --base-url (POST /_admin/ratelimit)")
    limits.add_argument("--rate-limit", dest="rate_limit", action="store_true",
                        help="keep the fake's limiter on: 429 answers are checked too, and a "
                             "run mostly answered 429 fails")
    parser.add_argument("--rate", metavar="N/UNIT",
                        help="pace requests to a server, e.g. 100/m (429s are waited out "
                             "either way)")
    parser.add_argument("--contract", metavar="FILE",
                        help="use this contract file instead of the bundled one (one API)")
    parser.add_argument("--junit-xml", metavar="FILE",
                        help="write JUnit XML: one testcase per operation and check")
    parser.add_argument("--report", metavar="FILE", help="write the run as JSON")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines, only the summary")
    parser.set_defaults(run=run)
    return parser


def _fail(message: str, code: int) -> int:
    print(f"mailmocks check: {message}", file=sys.stderr)
    return code


def _api_at(base_url: str) -> list[str] | None:
    """The API a base URL names: a sandbox's `/<api>` prefix, or a vendor's own host."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if last in apis.names():
        return [last]
    host = (parts.hostname or "").lower()
    found = [n for n in apis.names()
             if host and (host in apis.load(n).vendor_hosts
                          or urlsplit(apis.load(n).vendor_base_url).hostname == host)]
    return found if len(found) == 1 else None


def run(args: argparse.Namespace) -> int:
    try:
        import schemathesis  # noqa: F401 - an optional dependency: say so rather than crash
    except ImportError:
        return _fail("needs schemathesis: pip install 'mailmocks[check]'", FAILED)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return _fail("interrupted", FAILED)
    except Exception as exc:  # a bug of ours or a schemathesis we do not know: one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return _fail(f"internal error: {type(exc).__name__}: {first} (please report it, "
                     "with the command line)", FAILED)


def _run(args: argparse.Namespace) -> int:
    from . import credentials as creds
    from .phases import PHASES
    from .runner import Settings

    names = list(dict.fromkeys(args.apis)) or (
        _api_at(args.base_url) if args.base_url else None) or apis.names()
    unknown = [n for n in names if n not in apis.names()]
    if unknown:
        return _fail(f"unknown API {unknown[0]!r}; known: {', '.join(apis.names())}", USAGE)
    if args.journal:
        from .journal import run_journal
        return run_journal(args.journal, names if args.apis else None, args.report,
                           args.junit_xml)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    bad = [p for p in phases if p not in PHASES]
    if bad or not phases:
        return _fail(f"--phases takes {', '.join(PHASES)}; got {args.phases!r}", USAGE)
    if args.max_examples < 1:
        return _fail("--max-examples must be at least 1", USAGE)
    if (args.base_url or args.contract) and len(names) != 1:
        flag = "--base-url" if args.base_url else "--contract"
        return _fail(f"{flag} checks one API: name it (e.g. mailmocks check convertkit "
                     f"{flag} ...)", USAGE)
    if args.credential and not args.base_url:
        return _fail("--credential is for --base-url (the fake's credentials come from its "
                     "fixtures)", USAGE)
    pace = None
    if args.rate:
        from .targets import Pace
        try:
            pace = Pace.parse(args.rate)
        except ValueError as exc:
            return _fail(str(exc), USAGE)
    settings = Settings(max_examples=args.max_examples, seed=args.seed, phases=phases,
                        checks=_split(args.checks), read_only=args.read_only,
                        contract=args.contract)
    try:
        flags = creds.parse_flags(args.credential)
        secrets = {}
        if args.base_url:
            api = apis.load(names[0])
            contract = _contract(api, args.contract)
            secrets = creds.resolve(names[0], contract, flags, os.environ, strict_flags=True)
            if not secrets and contract.security_schemes:
                takes = ", ".join(f"--credential {creds.spelling(n, sp)}=... or "
                                  f"{creds.env_name(names[0], n)}"
                                  for n, sp in sorted(contract.security_schemes.items()))
                return _fail(f"{names[0]} at --base-url needs a credential: {takes}", USAGE)
    except creds.CredentialError as exc:
        return _fail(str(exc), USAGE)
    except ValueError as exc:  # the contract
        return _fail(str(exc), FAILED)
    progress: Callable[[str], None] = (lambda line: None) if args.quiet else _print
    return _check(names, args, settings, secrets, pace, progress)


def _contract(api: Any, path: str | None) -> Any:
    """The contract alone (parsed once, cached), for the credentials it names."""
    from ..core import Contract
    try:
        return Contract.from_file(path) if path else api.contract
    except Exception as exc:  # yaml, OSError: the run stops on it with one line below
        raise ValueError(f"contract {path or api.contract_file} does not load: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                         ) from None


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _print(line: str) -> None:
    print(line, flush=True)


def _check(names: list[str], args: argparse.Namespace, settings: Any, secrets: dict[str, str],
           pace: Any, progress: Callable[[str], None]) -> int:
    from .. import checks
    from . import report, targets
    from .results import ApiResult
    from .runner import ContractError, load, run_api

    started = time.monotonic()
    results: list[ApiResult] = []

    def stop(name: str, message: str, code: int) -> int:
        """One line for the user; the report files still say why the run failed (CI)."""
        results.append(ApiResult(name, "none", args.base_url or "", False, errors=[message]))
        _write(results, args, started)
        return _fail(message, code)

    for name in names:
        api = apis.load(name)
        try:
            loaded = load(api, settings)  # a contract that does not parse: before any server
        except ContractError as exc:
            return stop(name, str(exc), FAILED)
        if settings.checks:
            wrong = sorted(set(settings.checks) - set(checks.check_names()))
            if wrong:
                return _fail(f"unknown check {wrong[0]!r}; known: "
                             f"{', '.join(checks.check_names())}", USAGE)
        try:
            if args.base_url:
                targets.probe(args.base_url)
                target = targets.remote(name, args.base_url, secrets, pace, args.rate_limit)
            elif args.serve:
                target = targets.serve(name, args.rate_limit)
            else:
                target = targets.fake(name, args.rate_limit)
        except targets.TargetError as exc:
            return stop(name, str(exc), FAILED)
        try:
            if args.base_url:
                problem = _looks_wrong(target, api, loaded[0])
                if problem:
                    return stop(name, problem, FAILED)
            progress(f"{name}: checking {target.base_url} ({target.kind})")
            if target.kind == "remote" and target.is_mailmocks and target.restore is None \
                    and not args.rate_limit:
                print(f"{name}: this sandbox cannot switch its rate limiter off; its 429s "
                      "are waited out (start it with `mailmocks serve --no-rate-limit` for a "
                      "fast run)", flush=True)
            results.append(run_api(target, settings, progress, loaded))
        finally:
            target.close()
        print(report.summary(results[-1]), flush=True)
    for r in results:
        if r.findings:
            print(report.findings(r))
    print()
    print(report.verdict(results))
    for path in _write(results, args, started):
        print(path)
    return 0 if results and all(r.passed for r in results) else FAILED


def _write(results: list[Any], args: argparse.Namespace, started: float) -> list[str]:
    """--junit-xml and --report, whatever the run came to; what was written."""
    from . import jsonreport, junit
    written = []
    if args.junit_xml:
        junit.write(results, args.junit_xml)
        written.append(f"JUnit XML: {args.junit_xml}")
    if args.report:
        jsonreport.write(results, args.report, {"seconds": round(time.monotonic() - started, 2)})
        written.append(f"JSON report: {args.report}")
    return written


def _looks_wrong(target: Any, api: Any, contract: Any) -> str | None:
    """One safe request with credentials: HTML where the contract has JSON means the URL is
    not the API's base (a web page, a login screen, the wrong prefix)."""
    import httpx

    from .. import checks
    probe = next((op for op in contract.operations.values() if op.safe and "{" not in op.path
                  and not any(p.required for p in op.parameters)), None)
    if probe is None:
        return None
    url = target.base_url + probe.path
    case = SimpleNamespace(query={}, headers={}, cookies={})  # what apply_credentials fills
    checks.apply_credentials(contract, probe, case, target.credentials())
    try:
        answer = httpx.request(probe.method.upper(), url, params=case.query,
                               headers=case.headers, cookies=case.cookies, timeout=15.0)
    except httpx.HTTPError as exc:
        return f"cannot reach {url}: {exc}"
    media = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = {m for r in probe.spec.get("responses", {}).values()
                for m in (r.get("content") or {})}
    if media == "text/html" and "text/html" not in declared:
        return (f"{target.base_url} answers HTML ({answer.status_code} for "
                f"{probe.method.upper()} {probe.path}), not the {api.title} API: is it the "
                f"API's base URL (e.g. http://127.0.0.1:8025/{api.name})?")
    return None
