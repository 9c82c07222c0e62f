"""The vendors the sandbox serves: name -> "module:attribute" of its `Api` object.

Adding an API is one contract, one module here, its fixtures and its tests.
"""
from __future__ import annotations

import importlib
from typing import Any

REGISTRY: dict[str, str] = {
    "convertkit": "mailmocks.apis.convertkit:api",
    "botamp": "mailmocks.apis.botamp:api",
    "esputnik": "mailmocks.apis.esputnik:api",
    "parcelvoy": "mailmocks.apis.parcelvoy:api",
    "highlevel": "mailmocks.apis.highlevel:api",
}


def load(name: str) -> Any:
    try:
        target = REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown API {name!r}; known: {', '.join(sorted(REGISTRY))}") from None
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def names() -> list[str]:
    return list(REGISTRY)
