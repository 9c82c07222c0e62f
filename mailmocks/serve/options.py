"""Every `mailmocks serve` option, once: its flag, its config-file key, its type and default.

A config file gives defaults (`mailmocks.toml`'s `[serve]` table, or `[tool.mailmocks.serve]`
in the project's pyproject.toml, looked for in the working directory); a flag on the command
line wins. Keys are the flags' long names (`data-dir = ".mailmocks"`), relative paths are read
from the file's directory, and a key that is not an option is an error, never ignored.
"""
from __future__ import annotations

import argparse
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import apis

DEFAULT_PORT = 8025
CONFIG_FILE = "mailmocks.toml"


class OptionError(ValueError):
    """A bad option value or config file: one line for the user, exit 2."""


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # the long flag without dashes, and the config key
    kind: type  # bool, int, float, str, list (repeatable), dict (repeatable API=PATH)
    default: Any
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    path: bool = False  # a file or directory: relative to the config file when set there

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option("host", str, "127.0.0.1", "address to bind (default 127.0.0.1; anything else "
           "needs --allow-remote)"),
    Option("allow-remote", bool, False, "allow a --host other than loopback: the fixture keys "
           "are public and /_admin shows every tenant's data to whoever reaches the port"),
    Option("port", int, DEFAULT_PORT, f"port (default {DEFAULT_PORT})"),
    Option("seed", int, None, "seed for generated fixture data (default: each fixture's own)"),
    Option("fixtures", dict, None, "use another fixture file for one API (repeatable), e.g. "
           f"{apis.names()[0]}=my.yaml", metavar="API=PATH", path=True),
    Option("api", list, None, "serve only this API (repeatable; default: all)",
           choices=tuple(apis.names())),
    Option("strict", bool, False, "check every response against the contract (as the tests "
           "do)"),
    Option("no-rate-limit", bool, False, "switch every vendor's rate limits off"),
    Option("data-dir", str, None, "keep every API's state, the outbox, the journal and pending "
           "jobs in DIR (SQLite) across restarts (default: memory only)", metavar="DIR",
           path=True),
    Option("save-every", float, 1.0, "with --data-dir: seconds between snapshots while running; "
           "a kill -9 loses at most about this much (default 1)", metavar="SECONDS"),
    Option("log-format", str, "text", "request log format: text (coloured on a terminal) or "
           "json, one object a line (default text)", choices=("text", "json")),
    Option("quiet", bool, False, "no request log (the banner and errors only)"),
    Option("verbose", bool, False, "log request and response bodies too (secrets redacted)"),
)


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The options as flags; every default is None so a config file can fill what is unset."""
    parser.add_argument("--config", metavar="FILE",
                        help=f"read options from FILE (default: ./{CONFIG_FILE}, else "
                             "[tool.mailmocks.serve] in ./pyproject.toml)")
    for opt in OPTIONS:
        flag = f"--{opt.name}"
        if opt.kind is bool:
            parser.add_argument(flag, action="store_true", default=None, help=opt.help)
        elif opt.kind in (list, dict):
            parser.add_argument(flag, action="append", default=None, help=opt.help,
                                metavar=opt.metavar, choices=opt.choices)
        else:
            parser.add_argument(flag, type=opt.kind, default=None, help=opt.help,
                                metavar=opt.metavar, choices=opt.choices)


@dataclass(slots=True)
class ServeOptions:
    host: str
    allow_remote: bool
    port: int
    seed: int | None
    fixtures: dict[str, str]
    api: list[str] | None
    strict: bool
    no_rate_limit: bool
    data_dir: str | None
    save_every: float
    log_format: str
    quiet: bool
    verbose: bool
    config: str | None = None  # the file the defaults came from


def resolve(args: argparse.Namespace, cwd: Path | None = None) -> ServeOptions:
    """Flags over the config file over the built-in defaults."""
    where, table = find_config(args.config, cwd or Path.cwd())
    from_file = check_config(table, where) if where is not None else {}
    values: dict[str, Any] = {}
    for opt in OPTIONS:
        given = getattr(args, opt.dest, None)
        if given is not None and opt.kind is dict:
            given = parse_pairs(given)
        value = given if given is not None else from_file.get(opt.name, opt.default)
        values[opt.dest] = value
    values["fixtures"] = values["fixtures"] or {}
    if values["save_every"] <= 0:
        raise OptionError("--save-every wants a number of seconds above 0")
    if not 0 <= values["port"] <= 65535:
        raise OptionError(f"--port {values['port']} is not a port (0-65535)")
    return ServeOptions(**values, config=str(where) if where is not None else None)


def parse_pairs(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or name not in apis.names() or not path:
            raise OptionError(f"--fixtures wants API=PATH with API in {apis.names()}, "
                              f"not {item!r}")
        out[name] = path
    return out


def find_config(explicit: str | None, cwd: Path) -> tuple[Path | None, dict[str, Any]]:
    """The config file and its serve table: --config, ./mailmocks.toml, ./pyproject.toml."""
    if explicit is not None:
        path = Path(explicit)
        data = _read(path)
        table = data.get("tool", {}).get("mailmocks", {}) if path.name == "pyproject.toml" \
            else data
        return path, _serve_table(table, path)
    own = cwd / CONFIG_FILE
    if own.is_file():
        return own, _serve_table(_read(own), own)
    project = cwd / "pyproject.toml"
    if project.is_file():
        tool = _read(project).get("tool", {}).get("mailmocks")
        if tool is not None:
            return project, _serve_table(tool, project)
    return None, {}


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise OptionError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{path} is not valid TOML: {exc}") from None


def _serve_table(table: Any, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise OptionError(f"{path}: the mailmocks settings must be a table")
    unknown = sorted(set(table) - {"serve"})
    if unknown:
        raise OptionError(f"{path}: unknown section {unknown[0]!r} (serve options go in a "
                          "[serve] table)")
    serve = table.get("serve", {})
    if not isinstance(serve, dict):
        raise OptionError(f"{path}: serve must be a table")
    return serve


def check_config(table: dict[str, Any], path: Path) -> dict[str, Any]:
    """The config table with its values checked and its paths made absolute."""
    known = {opt.name: opt for opt in OPTIONS}
    out: dict[str, Any] = {}
    for key, value in table.items():
        opt = known.get(key) or known.get(str(key).replace("_", "-"))
        if opt is None:
            raise OptionError(f"{path}: unknown serve option {key!r}; known: "
                              + ", ".join(known))
        out[opt.name] = _checked(opt, value, path)
    return out


def _checked(opt: Option, value: Any, path: Path) -> Any:
    where = f"{path}: {opt.name}"
    base = path.parent

    def place(p: str) -> str:
        return str(base / p) if opt.path else p

    if opt.kind is bool:
        if not isinstance(value, bool):
            raise OptionError(f"{where} must be true or false, not {value!r}")
        return value
    if opt.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError(f"{where} must be a whole number, not {value!r}")
        return value
    if opt.kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OptionError(f"{where} must be a number, not {value!r}")
        return float(value)
    if opt.kind is str:
        if not isinstance(value, str):
            raise OptionError(f"{where} must be a string, not {value!r}")
        if opt.choices and value not in opt.choices:
            raise OptionError(f"{where} must be one of {', '.join(opt.choices)}, not {value!r}")
        return place(value)
    if opt.kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise OptionError(f"{where} must be a list of names, e.g. [\"{apis.names()[0]}\"]")
        bad = [v for v in value if opt.choices and v not in opt.choices]
        if bad:
            raise OptionError(f"{where}: unknown {bad[0]!r}; known: {', '.join(opt.choices or ())}")
        return value
    # dict: API = PATH
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise OptionError(f"{where} must be a table of API = \"path\"")
    bad = [k for k in value if k not in apis.names()]
    if bad:
        raise OptionError(f"{where}: unknown API {bad[0]!r}; known: {', '.join(apis.names())}")
    return {k: place(v) for k, v in value.items()}
