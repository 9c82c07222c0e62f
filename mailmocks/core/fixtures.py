"""Fixture files read once: parsed YAML, with generated data expanded per seed, then copied.

Every test builds a fresh world; parsing YAML and running Faker for each would dominate the
suite, so the expanded document is cached and each world gets its own deep copy.
"""
from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import yaml

Expand = Callable[[dict[str, Any], "int | None"], dict[str, Any]]


@functools.lru_cache(maxsize=32)
def _cached(path: str, seed: int | None, expand: Expand | None) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh) or {}
    return expand(spec, seed) if expand is not None else spec


def load_fixture(path: str, seed: int | None = None,
                 expand: Expand | None = None) -> dict[str, Any]:
    """A private copy of the fixture document at `path`, `expand`ed (e.g. Faker rows) per seed."""
    return copy.deepcopy(_cached(str(path), seed, expand))
