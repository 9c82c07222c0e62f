"""`mailmocks serve`: every fake on one port, with the credentials to use printed at start.

Other verbs come from the APIs of the registry (`Api.add_commands`); this module names none.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from . import __version__, apis
from .serve.options import add_flags

# Verbs of this module: `mailmocks serve` parses without importing the vendors' packages for
# their verbs, so the port is bound before anything slow is loaded.
OWN_VERBS = frozenset({"serve", "new-api", "check"})  # need no vendor package to parse


class Parser(argparse.ArgumentParser):
    """Usage errors in one line (exit 2), pointing at --help, not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser(vendor_verbs: bool = True) -> argparse.ArgumentParser:
    parser = Parser(
        prog="mailmocks",
        description="Local contract-driven fakes of email and marketing-automation APIs.")
    parser.add_argument("--version", action="version", version=f"mailmocks {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serving = sub.add_parser(
        "serve", help="run the sandbox (all APIs on one port)",
        description="Serve every fake on one port: http://HOST:PORT/<api>/... replaces the "
                    "vendor's base URL. /_admin is the control surface, / the inbox. Every "
                    "option can be set in mailmocks.toml ([serve]) or in pyproject.toml "
                    "([tool.mailmocks.serve]); a flag given here wins.")
    add_flags(serving)
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
    for name in apis.names() if vendor_verbs else ():  # the verbs an API adds
        for verb, runner in apis.load(name).add_commands(sub).items():
            sub.choices[verb].set_defaults(run=runner)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(vendor_verbs=not (argv and argv[0] in OWN_VERBS)).parse_args(argv)
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


def serve(args: argparse.Namespace) -> int:
    from .serve.options import OptionError, resolve
    from .serve.runner import run

    try:
        options = resolve(args)
    except OptionError as exc:
        print(f"mailmocks: {exc}", file=sys.stderr)
        return 2
    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
