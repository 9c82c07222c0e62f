"""Fixture files: parsed, checked against the vendor's schema, expanded, cached, then copied.

One path for every vendor: `load_fixture(path, seed, expand, schema)` reads the YAML, checks
it against the JSON Schema the vendor declares (the engine's own validator, jsonschema-rs:
fixture files are JSON-shaped data like the contracts, so one library checks both), runs the
vendor's `expand` (Faker rows, seeded) and caches the result per (file, its modification
time, seed); every world gets its own deep copy. A file edited on disk is read again on the
next load (a sandbox reset). A bad file is one `FixtureError` line naming the file, the path
inside it and what was expected: never a traceback.
"""
from __future__ import annotations

import copy
import functools
import os
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import yaml

from .contract import SafeLoader

Expand = Callable[[dict[str, Any], "int | None"], dict[str, Any]]


class _JsonShapedLoader(SafeLoader):  # type: ignore[misc]  # libyaml's parser; our resolvers
    """YAML as JSON-shaped data: an unquoted timestamp stays the string it was written as."""


_JsonShapedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class FixtureError(ValueError):
    """A fixture file that cannot be used, in one line a user can act on."""


class FixtureSchema:
    """The JSON Schema of one vendor's fixture files, compiled once."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator = jsonschema_rs.validator_for(schema)

    def check(self, document: Any, source: str) -> None:
        try:
            for err in self._validator.iter_errors(_text_keys(document)):
                where = _path(err.instance_path)
                raise FixtureError(f"{source}: {where}: {_expected(err)}")
        except ValueError as exc:  # a value JSON has no type for (a !!binary or !!set tag)
            if isinstance(exc, FixtureError):
                raise
            raise FixtureError(f"{source}: holds a value that is not JSON data ({exc})") from None


def _text_keys(value: Any) -> Any:
    """JSON Schema speaks of string keys; YAML has number keys too (`15867: Kyiv`)."""
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _expected(err: Any) -> str:
    message = str(err.message)
    return message if len(message) <= 160 else message[:157] + "..."


def _stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FixtureError(f"{path}: no such file") from None
    except OSError as exc:
        raise FixtureError(f"{path}: cannot be read ({exc.strerror})") from None
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=64)
def _cached(path: str, stamp: tuple[int, int], seed: int | None, expand: Expand | None,
            schema: FixtureSchema | None) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            spec = yaml.load(fh, Loader=_JsonShapedLoader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise FixtureError(f"{path}: {line}not valid YAML ({exc.problem})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{path}: not valid YAML ({exc})") from None
    except OSError as exc:
        raise FixtureError(f"{path}: cannot be read ({exc.strerror})") from None
    spec = {} if spec is None else spec
    if not isinstance(spec, dict):
        raise FixtureError(f"{path}: (top level): expected a mapping, got "
                           f"{type(spec).__name__}")
    if schema is not None:
        schema.check(spec, path)
    if expand is None:
        return spec
    try:
        return expand(spec, seed)
    except FixtureError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FixtureError(f"{path}: cannot expand ({type(exc).__name__}: {exc})") from None


def load_fixture(path: str | os.PathLike[str], seed: int | None = None,
                 expand: Expand | None = None,
                 schema: FixtureSchema | None = None) -> dict[str, Any]:
    """A private copy of the fixture document at `path`, checked and `expand`ed per seed."""
    name = os.fspath(path)
    return copy.deepcopy(_cached(name, _stamp(name), seed, expand, schema))
