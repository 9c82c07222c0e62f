"""`mailmocks serve`: every fake on one port, with the credentials to use printed at start.

Other verbs come from the APIs of the registry (`Api.add_commands`); this module names none.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import __version__, apis


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailmocks",
        description="Local contract-driven fakes of email and marketing-automation APIs.")
    parser.add_argument("--version", action="version", version=f"mailmocks {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serving = sub.add_parser(
        "serve", help="run the sandbox (all APIs on one port)",
        description="Serve every fake on one port: http://HOST:PORT/<api>/... replaces the "
                    "vendor's base URL. /_admin is the control surface, / the inbox.")
    serving.add_argument("--host", default="127.0.0.1",
                         help="address to bind (default 127.0.0.1; anything else needs "
                              "--allow-remote)")
    serving.add_argument("--allow-remote", action="store_true",
                         help="allow a --host other than loopback: the fixture keys are "
                              "public and /_admin shows every tenant's data to whoever "
                              "reaches the port")
    serving.add_argument("--port", type=int, default=8025, help="port (default 8025)")
    serving.add_argument("--seed", type=int, default=None,
                         help="seed for generated fixture data (default: each fixture's own)")
    serving.add_argument("--fixtures", action="append", default=[], metavar="API=PATH",
                         help="use another fixture file for one API, e.g. "
                              f"{apis.names()[0]}=my.yaml")
    serving.add_argument("--api", action="append", choices=apis.names(), default=None,
                         help="serve only this API (repeatable; default: all)")
    serving.add_argument("--strict", action="store_true",
                         help="check every response against the contract (as the tests do)")
    serving.set_defaults(run=serve)
    scaffold = sub.add_parser(
        "new-api", help="add a sixth API: contract, fixtures, fake, client, mock and tests",
        description="Write the files of a new API in the shape every vendor has (a working "
                    "`items` resource to start from) and register it. Run at the top of a "
                    "mailmocks checkout; the generated tests pass on the first run.")
    scaffold.add_argument("name", help="the API's name: lower-case letters and digits "
                                       "(its URL prefix and package)")
    scaffold.add_argument("--root", default=".", help="the checkout (default: here)")
    scaffold.set_defaults(run=new_api)
    from .check import add_command as add_check  # `mailmocks check` lives in its package
    add_check(sub)
    for name in apis.names():  # the verbs an API adds (for itself or an event source)
        for verb, runner in apis.load(name).add_commands(sub).items():
            sub.choices[verb].set_defaults(run=runner)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


def new_api(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .scaffold import ScaffoldError
    from .scaffold import new_api as write

    root = Path(args.root)
    try:
        written = write(root, args.name)
    except ScaffoldError as exc:
        print(f"mailmocks: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"  wrote {path.relative_to(root)}")
    print(f"\nNext: .venv/bin/python -m pytest tests/apis/{args.name} -q, then describe the "
          f"vendor's real operations in contracts/{args.name}.yaml")
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
