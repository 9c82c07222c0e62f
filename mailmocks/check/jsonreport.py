"""--report FILE: the whole run as JSON (per API, per operation, every distinct failure)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from .results import ApiResult


def document(results: Sequence[ApiResult], extra: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    return {"passed": all(r.passed for r in results),
            "apis": {r.api: r.as_dict() for r in results}, **(extra or {})}


def write(results: Sequence[ApiResult], path: str, extra: dict[str, Any] | None = None) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(orjson.dumps(document(results, extra), option=orjson.OPT_INDENT_2))
