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
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8025, help="port (default 8025)")
    serve.add_argument("--seed", type=int, default=None,
                       help="seed for generated fixture data (default: each fixture's own)")
    serve.add_argument("--fixtures", action="append", default=[], metavar="API=PATH",
                       help="use another fixture file for one API, e.g. convertkit=my.yaml")
    serve.add_argument("--api", action="append", choices=apis.names(), default=None,
                       help="serve only this API (repeatable; default: all)")
    serve.add_argument("--strict", action="store_true",
                       help="check every response against the contract (as the tests do)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .sandbox import Sandbox

    fixtures: dict[str, str] = {}
    for item in args.fixtures:
        name, sep, path = item.partition("=")
        if not sep or name not in apis.names():
            print(f"mailmocks: --fixtures wants API=PATH with API in {apis.names()}",
                  file=sys.stderr)
            return 2
        fixtures[name] = path
    try:
        sandbox = Sandbox(args.api, strict=args.strict, seed=args.seed, fixtures=fixtures)
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
