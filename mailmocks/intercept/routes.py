"""Is (method, path) an operation of the contract? A request outside it is a violation too."""
from __future__ import annotations

import functools
import re

from .. import apis


@functools.cache
def _operations(name: str) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    contract = apis.load(name).contract
    out = []
    for path, ops in contract.paths.items():
        pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)))
        out.append((pattern, frozenset(ops)))
    return tuple(out)


def in_contract(name: str, method: str, path: str) -> bool:
    """Whether the contract of API `name` has an operation for this method and path."""
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    method = method.upper()
    return any(method in methods and pattern.fullmatch(path)
               for pattern, methods in _operations(name))


