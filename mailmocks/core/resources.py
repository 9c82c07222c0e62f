"""Where contracts and fixtures live: the repo top level in a checkout, package data in a wheel."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(kind: str) -> Path:
    """`kind` is "contracts" or "fixtures"."""
    bundled = _PACKAGE / "_data" / kind
    if bundled.is_dir():
        return bundled
    checkout = _PACKAGE.parent / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"no {kind}/ directory next to {_PACKAGE}")


def contract_path(name: str) -> Path:
    return data_dir("contracts") / name


def fixture_path(name: str) -> Path:
    return data_dir("fixtures") / name
