"""`mailmocks serve`: every fake on one port, with the credentials to use printed at start."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__, apis


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailmocks",
        description="Local contract-driven fakes of email and marketing-automation APIs.")
    parser.add_argument("--version", action="version", version=f"mailmocks {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="run the sandbox (all APIs on one port)",
        description="Serve every fake on one port: http://HOST:PORT/<api>/... replaces the "
                    "vendor's base URL. /_admin is the control surface, / the inbox.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1; anything else needs "
                            "--allow-remote)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other than loopback: the fixture keys are public "
                            "and /_admin shows every tenant's data to whoever reaches the port")
    serve.add_argument("--port", type=int, default=8025, help="port (default 8025)")
    serve.add_argument("--seed", type=int, default=None,
                       help="seed for generated fixture data (default: each fixture's own)")
    serve.add_argument("--fixtures", action="append", default=[], metavar="API=PATH",
                       help="use another fixture file for one API, e.g. convertkit=my.yaml")
    serve.add_argument("--api", action="append", choices=apis.names(), default=None,
                       help="serve only this API (repeatable; default: all)")
    serve.add_argument("--strict", action="store_true",
                       help="check every response against the contract (as the tests do)")
    _add_billetto(sub)
    return parser


def _add_billetto(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    billetto = sub.add_parser("billetto", help="fire signed Billetto webhooks")
    verbs = billetto.add_subparsers(dest="verb", required=True)
    emit = verbs.add_parser(
        "emit", help="send one Billetto webhook event",
        description="Ask a running sandbox to send one signed Billetto event (journaled "
                    "there), or build, sign and post it from here with --direct.")
    emit.add_argument("action", choices=["order.completed", "attendee.created",
                                         "event.published", "event.updated", "event.cancelled"])
    emit.add_argument("--url", help="where to POST it (default: the sandbox's registered targets)")
    emit.add_argument("--secret", help="signing secret (default: the sandbox's)")
    emit.add_argument("--data", default=None, metavar="JSON",
                      help='fields to set in "data", e.g. \'{"id": 123456}\'')
    emit.add_argument("--sandbox", default="http://127.0.0.1:8025",
                      help="the running sandbox (default http://127.0.0.1:8025)")
    emit.add_argument("--direct", action="store_true",
                      help="send from this process (needs --url and --secret)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "billetto":
        return billetto_emit(args)
    return 2


def billetto_emit(args: argparse.Namespace) -> int:
    import json

    import httpx

    from . import billetto

    try:
        data = json.loads(args.data) if args.data else None
    except json.JSONDecodeError as exc:
        print(f"mailmocks: --data is not JSON: {exc}", file=sys.stderr)
        return 2
    try:
        if args.direct:
            if not (args.url and args.secret):
                print("mailmocks: --direct needs --url and --secret", file=sys.stderr)
                return 2
            result = billetto.emit_direct(args.action, args.url, args.secret, data=data)
        else:
            result = billetto.emit_via_sandbox(args.sandbox, args.action, args.url,
                                               secret=args.secret, data=data)
    except (httpx.HTTPError, RuntimeError) as exc:
        print(f"mailmocks: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


def is_loopback(host: str) -> bool:
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .guard import LOOPBACK_HOSTS
    from .sandbox import Sandbox

    fixtures: dict[str, str] = {}
    for item in args.fixtures:
        name, sep, path = item.partition("=")
        if not sep or name not in apis.names():
            print(f"mailmocks: --fixtures wants API=PATH with API in {apis.names()}",
                  file=sys.stderr)
            return 2
        fixtures[name] = path
    remote = not is_loopback(args.host)
    if remote and not args.allow_remote:
        print(f"mailmocks: --host {args.host} would expose the sandbox beyond this machine; "
              "its keys are public and /_admin shows every tenant's data. Add --allow-remote "
              "to do it anyway.", file=sys.stderr)
        return 2
    if remote:
        print(f"mailmocks: WARNING: serving on {args.host}: anyone who can reach this port can "
              "use the public fixture keys, read every tenant's data through /_admin and "
              "drive the sandbox.", file=sys.stderr)
    try:
        sandbox = Sandbox(args.api, strict=args.strict, seed=args.seed, fixtures=fixtures,
                          hosts=None if remote else LOOPBACK_HOSTS)
    except (OSError, ValueError, KeyError) as exc:
        print(f"mailmocks: cannot load fixtures: {exc}", file=sys.stderr)
        return 1
    root = f"http://{args.host}:{args.port}"
    print(f"mailmocks {__version__} sandbox on {root}  (inbox: {root}/, admin: {root}/_admin)")
    for name, app in sandbox.apps.items():
        api = app.api
        print(f"\n  {api.title}: {api.vendor_base_url} -> {root}/{name}")
        for line in api.describe(app.world):
            print(f"    {line}")
    print(flush=True)
    uvicorn.run(sandbox, host=args.host, port=args.port, log_level="warning",
                access_log=False, lifespan="on")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
